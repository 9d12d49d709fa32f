# Shared by the bench scripts: source it.

# A loopback TCP port that was free a moment ago.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
