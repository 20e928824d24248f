/* stap: the ctap driver's entry point (all the work is in driver.c). */
#include "driver.h"

int main(int argc, char **argv)
{
	return driver_main(argc, argv);
}
