/* The MC146818 real-time clock and CMOS RAM of a PC: index port 0x70 (bit 7
 * masks NMI), data port 0x71, IRQ 8 on the slave PIC.
 *
 * Time comes from the machine's virtual clock: the RTC starts at the wall
 * time the board gives (the host's time of day, or a fixed date under
 * -icount) and its seconds tick with virtual time.  The time registers
 * hold what the chip shows, in the guest's format (BCD or binary, 12 or
 * 24 hours: register B); the update cycle advances them, with UIP high for
 * the 244 us before each update.  Nothing is stepped: the device catches
 * up with the clock when it is accessed and when the main loop asks. */
#ifndef E386_DEV_RTC_H
#define E386_DEV_RTC_H
#include <stdbool.h>
#include <stdint.h>
#include "dev/device.h"

#define RTC_NO_DEADLINE UINT64_MAX
#define RTC_UIP_NS 244000u          /* UIP rises this long before an update */
#define RTC_FIRST_UPDATE_NS 500000000u /* after the divider leaves reset */
enum { RTC_CMOS_SIZE = 128 };

/* CMOS addresses */
enum {
    RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02, RTC_MIN_ALARM = 0x03,
    RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05, RTC_WDAY = 0x06, RTC_MDAY = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09, RTC_REG_A = 0x0A, RTC_REG_B = 0x0B,
    RTC_REG_C = 0x0C, RTC_REG_D = 0x0D, RTC_CENTURY = 0x32,
};

typedef struct RtcState {
    Device dev;
    uint8_t cmos[RTC_CMOS_SIZE]; /* registers 0x00-0x0D and the NVRAM */
    uint8_t index;               /* port 0x70 bits 0-6 */
    bool nmi_masked;             /* port 0x70 bit 7 */
    bool irq_level;              /* IRQ 8 as driven (IRQF) */
    uint64_t phase_ns;           /* an update time: updates come every second from it */
    uint64_t update_last_ns;     /* updates are accounted up to this time */
    uint64_t periodic_last_ns;   /* periodic ticks are accounted up to this time */
    uint32_t ram_size;           /* wiring, not state: for the NVRAM's memory fields */
    int64_t wall_origin;         /* wiring: UTC seconds at virtual time 0 */
    IrqLine irq;
    DevClock clock;
} RtcState;

/* init cannot fail: IRQ 8, the clock, the wall time at virtual time 0
 * (seconds since 1970, UTC) and the RAM size the NVRAM reports.  The time
 * and the NVRAM are filled at realize (power on); reset (the RESET pin)
 * keeps them, as a battery-backed chip does. */
void rtc_init(RtcState *s, const char *id, IrqLine irq, DevClock clock, int64_t wall_origin,
              uint32_t ram_size);
/* Bring the time and the interrupt flags up to now_ns. */
void rtc_advance(RtcState *s, uint64_t now_ns);
/* When IRQ 8 next rises by itself (an enabled periodic, alarm or update
 * interrupt), or RTC_NO_DEADLINE. */
uint64_t rtc_next_deadline(const RtcState *s, uint64_t now_ns);
/* Exposed for the tests: days since 1970-01-01 of a proleptic Gregorian
 * date, and back. */
int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d);
void rtc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
#endif
