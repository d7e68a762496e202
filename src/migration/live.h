/* Live pre-copy migration of a running Machine (docs/migration.md).
 *
 * A migration is a state machine stepped between two CPU slices
 * (mig_live_step from MachineConfig.slice_hook): each step hands at most
 * a bounded number of bytes to the connection, without blocking, and
 * queues at most a bounded number of RAM pages, so the guest runs on
 * while its memory is sent.  Round 1 sends every non-zero RAM page; each
 * later round the pages written since the previous round (the dirty
 * log); when what is left can be sent within the downtime limit at the
 * measured bandwidth, one last step stops the guest (it is not running
 * inside the slice hook anyway), sends the last dirty pages, the CPU, the
 * clock and the devices, and the migration is completed: the source then
 * stays stopped ("postmigrate").  Cancel and any failure close the
 * connection and leave the source running.
 *
 * No global state: everything is in MigLive, one per machine. */
#ifndef E386_MIGRATION_LIVE_H
#define E386_MIGRATION_LIVE_H
#include "migration/migration.h"

typedef enum MigStatus {
    MIG_STATUS_NONE,
    MIG_STATUS_SETUP,
    MIG_STATUS_ACTIVE,
    MIG_STATUS_COMPLETED,
    MIG_STATUS_FAILED,
    MIG_STATUS_CANCELLED,
} MigStatus;

enum {
    MIG_DEFAULT_DOWNTIME_MS = 300,   /* QEMU's default downtime-limit */
    MIG_MAX_DOWNTIME_MS = 2000000,   /* QEMU's bound for downtime-limit */
};

typedef struct MigLive {
    Machine *m;
    MigStatus status;
    char error[MIG_ERR];       /* why it failed (query-migrate's error-desc) */
    /* parameters (migrate-set-parameters), kept across migrations */
    uint64_t downtime_limit_ms;
    uint64_t max_bandwidth;    /* bytes per second; 0: unlimited */
    /* the connection and what is queued for it */
    MigConn conn;
    MigWriter *w;              /* a memory sink: the queue the steps hand to conn */
    uint64_t sent;             /* stream bytes the connection took */
    /* the rounds */
    uint64_t *bitmap;          /* this round's pages (bit n: page n) */
    uint32_t npages, cursor;   /* RAM pages; the next page of this round to look at */
    uint64_t rounds;           /* dirty-sync-count: rounds started */
    uint64_t round_dirty;      /* pages in the current round's set */
    uint64_t remaining;        /* bytes of RAM still to send (this round's pages past cursor) */
    uint64_t bandwidth;        /* bytes per second, measured over the last round */
    uint64_t dirty_rate;       /* pages per second written by the guest, last round */
    uint64_t t_start, t_active, t_round, round_sent; /* host ns; bytes sent when the round began */
    uint64_t setup_ms, total_ms, downtime_ms;
    uint64_t expected_downtime_ms;
    MigStats st;
    /* -incoming defer: main waits on the monitor until migrate-incoming
     * has opened defer_conn (listening) on defer_uri */
    bool defer_waiting, defer_ready;
    MigConn defer_conn;
    char defer_uri[512];
    /* reported through the machine's monitor (MIGRATION events); NULL: none */
    void (*event)(void *opaque, MigStatus status);
    void *event_opaque;
} MigLive;

const char *mig_status_name(MigStatus s);
void mig_live_init(MigLive *L, Machine *m);
void mig_live_free(MigLive *L);   /* cancels a migration in progress */
/* Start migrating to uri (status setup, then active).  -1 with err when it
 * cannot start: one in progress, or the URI cannot be opened (then the
 * status is failed with the reason). */
int mig_live_start(MigLive *L, const char *uri, char *err, size_t errlen);
/* The work of one step; call between slices (the CPU not running). */
void mig_live_step(MigLive *L);
/* Close the connection: status cancelled; the source was never stopped. */
void mig_live_cancel(MigLive *L);
bool mig_live_active(const MigLive *L); /* setup or active */

/* The monitor's rows (migration_mon.c) and the MIGRATION event; mon may
 * be NULL.  -1 if a name is taken. */
struct Monitor;
int mig_monitor_attach(MigLive *L, struct Monitor *mon);
void mig_monitor_detach(MigLive *L, struct Monitor *mon);
#endif
