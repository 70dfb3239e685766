/* Reset for the Cortex-M4F under QEMU: the vector table, the FPU switched on, .data copied and
 * .bss zeroed, then main(); its return value becomes the exit status (semihosting). A fault
 * exits with status 1 (a panic in the library executes an undefined instruction: a fault). */
#include <stdint.h>

#include "semihosting.h"

extern uint32_t data_load[], data_start[], data_end[], bss_start[], bss_end[], stack_top[];
int main(void);

static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void sh_print(const char *s) { semihost(0x04 /* SYS_WRITE0 */, s); }

void sh_print_u(unsigned long v) {
    char b[24], *p = b + sizeof b - 1;
    *p = 0;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sh_print(p);
}

void sh_exit(int status) {
    /* ADP_Stopped_ApplicationExit, or ADP_Stopped_RunTimeErrorUnknown. */
    semihost(0x18 /* SYS_EXIT */, (const void *)(status == 0 ? 0x20026 : 0x20023));
    for (;;) {
    }
}

void reset_handler(void) {
    /* CPACR: full access to CP10 and CP11 (the FPU) before any floating-point instruction. */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm__ volatile("dsb\n isb" ::: "memory");
    for (uint32_t *s = data_load, *d = data_start; d < data_end;) *d++ = *s++;
    for (uint32_t *d = bss_start; d < bss_end;) *d++ = 0;
    sh_exit(main());
}

static void fault(void) { sh_exit(1); }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))stack_top, reset_handler, fault, fault, fault, fault, fault, 0, 0, 0, 0,
    fault, fault, 0, fault, fault,
};
