/* main.c - holdconn: how many idle TCP connections can this box hold? */
#include "cmd/commands.h"

int main(int argc, char **argv)
{
	return commands_main(argc, argv);
}
