/* Replay of guest random bytes (RDRAND, RDSEED, virtio-rng). */
#include "replay/replay-internal.h"

void replay_random(void *buf, size_t len)
{
    ReplayEvent ev;

    if (replay_mode == REPLAY_MODE_RECORD) {
        replay_put_event(REPLAY_EV_RANDOM, buf, len);
    } else if (replay_mode == REPLAY_MODE_PLAY) {
        memset(buf, 0, len);
        if (!replay_get_event(REPLAY_EV_RANDOM, &ev)) {
            return;
        }
        if (ev.len != len) {
            replay_diverged("the guest asked for %zu random bytes, the recording "
                            "gave %zu",
                            len, ev.len);
            return;
        }
        memcpy(buf, ev.payload, len);
    }
}
