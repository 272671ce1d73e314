/* main.c - holdconn: how many idle TCP connections can this box hold? */
#include "cmd/commands.h"
#include "session/tls.h"

int main(int argc, char **argv)
{
	/* Before anything uses OpenSSL: its every allocation is then counted (TLS user bytes). */
	tls_mem_init();
	return commands_main(argc, argv);
}
