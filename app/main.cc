#include "app/cli.h"

int main(int argc, char** argv) { return steadystate::app::RunCli(argc, argv); }
