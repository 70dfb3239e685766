/* Semihosting (ARM's debug-channel calls, which QEMU answers): a string to the console and the
 * exit status, so the demo needs no UART driver. */
#ifndef SEMIHOSTING_H
#define SEMIHOSTING_H

/* Writes a NUL-terminated string. */
void sh_print(const char *s);
/* Writes an unsigned decimal number. */
void sh_print_u(unsigned long v);
/* Ends the program: QEMU exits with 0 if status is 0, 1 otherwise. */
void sh_exit(int status) __attribute__((noreturn));

#endif
