/* Internal to the system call layer. */
#ifndef E386_SYSCALL_H
#define E386_SYSCALL_H
#include <time.h>
#include "user/user.h"

/* Each area's dispatcher returns 1 and sets *ret if it handled nr. */
int sys_fs(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int sys_proc(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int sys_timer(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int32_t host_err(void); /* -errno of the last failed host call */
/* struct timespec in guest memory, 32- or 64-bit time fields */
int32_t user_put_timespec(UserProc *p, uint32_t addr, const struct timespec *ts, int bits64);
int32_t user_get_timespec(UserProc *p, uint32_t addr, struct timespec *ts, int bits64);
#endif
