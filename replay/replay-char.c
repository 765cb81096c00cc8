/* Replay of character device input and of how much of each write a backend took. */
#include "replay/replay-internal.h"
#include "chardev/char.h"
#include "util/leb128.h"

void replay_char_read(int fe_id, const uint8_t *buf, int len)
{
    g_autoptr(GByteArray) b = NULL;

    if (replay_mode != REPLAY_MODE_RECORD || len <= 0) {
        return;
    }
    b = g_byte_array_new();
    leb128_put_u64(b, (uint64_t)fe_id);
    g_byte_array_append(b, buf, (guint)len);
    replay_put_event(REPLAY_EV_CHAR_READ, b->data, b->len);
}

bool replay_char_apply(const ReplayEvent *ev)
{
    const uint8_t *p = ev->payload, *end = ev->payload + ev->len;
    uint64_t fe;

    if (!leb128_get_u64(&p, end, &fe) || fe > INT32_MAX || p == end) {
        replay_diverged("malformed char-read event #%" PRIu64, ev->seq);
        return false;
    }
    char_fe_deliver((int)fe, p, (int)(end - p));
    return true;
}

int replay_char_write(int fe_id, int live_result)
{
    g_autoptr(GByteArray) b = NULL;
    ReplayEvent ev;
    const uint8_t *p;
    uint64_t fe, n;

    if (replay_mode == REPLAY_MODE_RECORD) {
        b = g_byte_array_new();
        leb128_put_u64(b, (uint64_t)fe_id);
        leb128_put_u64(b, (uint64_t)(live_result < 0 ? 0 : live_result));
        replay_put_event(REPLAY_EV_CHAR_WRITE, b->data, b->len);
        return live_result;
    }
    if (replay_mode != REPLAY_MODE_PLAY) {
        return live_result;
    }
    if (!replay_get_event(REPLAY_EV_CHAR_WRITE, &ev)) {
        return 0;
    }
    p = ev.payload;
    if (!leb128_get_u64(&p, ev.payload + ev.len, &fe) ||
        !leb128_get_u64(&p, ev.payload + ev.len, &n) || fe != (uint64_t)fe_id ||
        n > INT32_MAX) {
        replay_diverged("character device %d wrote, but event #%" PRIu64
                        " is a write on another device",
                        fe_id, ev.seq);
        return 0;
    }
    return (int)n;
}

bool replay_char_event(int fe_id, int event)
{
    g_autoptr(GByteArray) b = NULL;
    uint8_t e = (uint8_t)event;

    if (replay_mode == REPLAY_MODE_PLAY) {
        return false;
    }
    if (replay_mode == REPLAY_MODE_RECORD) {
        b = g_byte_array_new();
        leb128_put_u64(b, (uint64_t)fe_id);
        g_byte_array_append(b, &e, 1);
        replay_put_event(REPLAY_EV_CHAR_EVENT, b->data, b->len);
    }
    return true;
}

bool replay_char_event_apply(const ReplayEvent *ev)
{
    const uint8_t *p = ev->payload, *end = ev->payload + ev->len;
    uint64_t fe;

    if (!leb128_get_u64(&p, end, &fe) || fe > INT32_MAX || end - p != 1 ||
        *p != CHR_EVENT_BREAK) {
        replay_diverged("malformed char-event event #%" PRIu64, ev->seq);
        return false;
    }
    char_fe_deliver_event((int)fe, *p);
    return true;
}
