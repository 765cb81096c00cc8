/* The replay gate of a build configured with --disable-replay: every hook passes
 * the live value through, and asking for record or replay is an error. */
#include "replay/replay.h"

ReplayMode replay_mode;

bool replay_enabled(void)
{
    return false;
}

void replay_set_machine(Machine *m)
{
}

bool replay_start(ReplayMode mode, const char *path, GPtrArray *config_args, Error **errp)
{
    error_setg(errp,
               "-icount: rr=%s is not available: this build was configured "
               "with --disable-replay",
               mode == REPLAY_MODE_RECORD ? "record" : "replay");
    return false;
}

GPtrArray *replay_read_config(const char *path, Error **errp)
{
    error_setg(errp, "-icount: rr=replay is not available: this build was configured "
                     "with --disable-replay");
    return NULL;
}

bool replay_add_image(const char *role, const char *path, Error **errp)
{
    return true;
}

bool replay_begin(Error **errp)
{
    return true;
}

void replay_finish(void)
{
}

int64_t replay_budget(void)
{
    return INT64_MAX;
}

bool replay_checkpoint(void)
{
    return true;
}

bool replay_has_event_now(void)
{
    return false;
}

void replay_interrupt(int vector)
{
}

int64_t replay_clock(ReplayClockKind kind, int64_t live_value)
{
    return live_value;
}

bool replay_clock_is_replaying(void)
{
    return false;
}

void replay_shift_change(int shift, int64_t bias)
{
}

void replay_warp(int64_t delta_ns)
{
}

void replay_random(void *buf, size_t len)
{
}

void replay_char_read(int fe_id, const uint8_t *buf, int len)
{
}

int replay_char_write(int fe_id, int live_result)
{
    return live_result;
}

bool replay_char_event(int fe_id, int event)
{
    return true;
}

void replay_shutdown_request(int cause)
{
}

uint64_t replay_cpu_hash(void)
{
    return 0;
}

uint64_t replay_final_hash(void)
{
    return 0;
}
