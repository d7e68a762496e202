/* Internal to the system call layer. */
#ifndef E386_SYSCALL_H
#define E386_SYSCALL_H
#include "user/user.h"

/* Each area's dispatcher returns 1 and sets *ret if it handled nr. */
int sys_fs(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int sys_proc(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int32_t host_err(void); /* -errno of the last failed host call */
#endif
