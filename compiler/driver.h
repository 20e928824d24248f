/*
 * driver: runs the passes in order, stops after -p N, prints -v timings,
 * turns the outcome into stap's exit status.
 */
#ifndef CTAP_DRIVER_H
#define CTAP_DRIVER_H

int driver_main(int argc, char **argv);

#endif
