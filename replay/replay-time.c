/* Replay of host clock reads that reach guest-visible state. */
#include "replay/replay-internal.h"
#include "util/leb128.h"

bool replay_clock_is_replaying(void)
{
    return replay_mode == REPLAY_MODE_PLAY;
}

static int64_t replay_clock_play(ReplayClockKind kind)
{
    ReplayEvent ev;
    const uint8_t *p;
    int64_t v;

    if (!replay_get_event(REPLAY_EV_CLOCK, &ev)) {
        return 0;
    }
    p = ev.payload + 1;
    if (ev.len < 2 || ev.payload[0] != kind ||
        !leb128_get_s64(&p, ev.payload + ev.len, &v) || p != ev.payload + ev.len) {
        replay_diverged("the guest read clock %d, but event #%" PRIu64
                        " is a read of another clock",
                        kind, ev.seq);
        return 0;
    }
    return v;
}

int64_t replay_clock(ReplayClockKind kind, int64_t live_value)
{
    g_autoptr(GByteArray) b = NULL;
    uint8_t k = (uint8_t)kind;

    if (replay_mode == REPLAY_MODE_PLAY) {
        return replay_clock_play(kind);
    }
    if (replay_mode == REPLAY_MODE_RECORD) {
        b = g_byte_array_new();
        g_byte_array_append(b, &k, 1);
        leb128_put_s64(b, live_value);
        replay_put_event(REPLAY_EV_CLOCK, b->data, b->len);
    }
    return live_value;
}
