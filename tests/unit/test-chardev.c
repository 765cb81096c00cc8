/* Unit tests for the chardev backends, input flow control, options and the mux. */
#include "config-host.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "replay/replay.h"
#include "system/runstate.h"

#define BIG_INPUT  (100 * 1024)
#define PUMP_LIMIT 100000

typedef struct FakeFe {
    CharFrontend fe;
    int room; /* what can_read() answers */
    GByteArray *got;
    int events[16];
    int nevents;
} FakeFe;

static int fake_can_read(void *opaque)
{
    return ((FakeFe *)opaque)->room;
}

static void fake_read(void *opaque, const uint8_t *buf, int len)
{
    FakeFe *f = opaque;

    g_assert_cmpint(len, <=, f->room);
    g_byte_array_append(f->got, buf, len);
}

static void fake_event(void *opaque, int event)
{
    FakeFe *f = opaque;

    g_assert_cmpint(f->nevents, <, (int)ARRAY_SIZE(f->events));
    f->events[f->nevents++] = event;
}

static void expect_ok(bool ok, Error *err)
{
    if (!ok) {
        g_error("unexpected error: %s", error_get_pretty(err));
    }
}

static void fake_attach(FakeFe *f, Chardev *chr, bool recorded, int room)
{
    Error *err = NULL;

    memset(f, 0, sizeof(*f));
    f->room = room;
    f->got = g_byte_array_new();
    expect_ok(char_fe_init(&f->fe, chr, recorded, &err), err);
    char_fe_set_handlers(&f->fe, fake_can_read, fake_read, fake_event, f);
}

static void fake_free(FakeFe *f)
{
    char_fe_deinit(&f->fe);
    g_byte_array_free(f->got, TRUE);
}

static int last_event(const FakeFe *f)
{
    return f->nevents ? f->events[f->nevents - 1] : -1;
}

/* One main-loop turn as the emulator does it: host I/O, then a checkpoint. */
static bool pump_once(void)
{
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    return chardev_checkpoint();
}

static void pump(int turns)
{
    for (int i = 0; i < turns; i++) {
        pump_once();
    }
}

static Chardev *new_chardev(const char *opts)
{
    Error *err = NULL;
    Chardev *chr = chardev_new_from_opts(opts, &err);

    if (!chr) {
        g_error("%s: %s", opts, error_get_pretty(err));
    }
    return chr;
}

static Chardev *spec_ok(const char *spec, const char *id)
{
    Error *err = NULL;
    Chardev *chr = chardev_new_from_spec(spec, id, &err);

    expect_ok(chr != NULL, err);
    return chr;
}

static void fill_pattern(uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + i / 251);
    }
}

static void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/*
 * Push all of data into fd (non-blocking) while pumping, until the frontend has it
 * all; the input queue must never grow past its bound on the way.
 */
static void push_and_drain(int fd, const uint8_t *data, size_t len, FakeFe *f,
                           Chardev *chr)
{
    size_t sent = 0;

    set_nonblocking(fd);
    for (int i = 0; i < PUMP_LIMIT && f->got->len < len; i++) {
        if (sent < len) {
            ssize_t n = write(fd, data + sent, MIN(len - sent, 8192));
            g_assert_true(n > 0 || errno == EAGAIN);
            sent += n > 0 ? n : 0;
        }
        pump_once();
        g_assert_cmpuint(chardev_queued_input(chr, 0), <=, CHR_QUEUE_LIMIT);
    }
    g_assert_cmpuint(f->got->len, ==, len);
    g_assert_true(memcmp(f->got->data, data, len) == 0);
}

static char *tmp_dir(void)
{
    char *dir = g_dir_make_tmp("reprise-chardev-XXXXXX", NULL);

    g_assert_nonnull(dir);
    return dir;
}

static void remove_tmp_dir(char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        unlink(path);
    }
    g_dir_close(d);
    rmdir(dir);
    g_free(dir);
}

static char *make_fifo_pair(const char *dir)
{
    char *base = g_build_filename(dir, "pipe", NULL);
    g_autofree char *in = g_strdup_printf("%s.in", base);
    g_autofree char *out = g_strdup_printf("%s.out", base);

    g_assert_cmpint(mkfifo(in, 0600), ==, 0);
    g_assert_cmpint(mkfifo(out, 0600), ==, 0);
    return base;
}

static void read_exactly(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        g_assert_cmpint(n, >, 0);
        got += n;
    }
}

/* ---- tests ---- */

static void test_null(void)
{
    Chardev *chr = new_chardev("null,id=n");
    FakeFe f;

    fake_attach(&f, chr, true, 16);
    g_assert_cmpstr(chardev_id(chr), ==, "n");
    g_assert_true(chardev_find("n") == chr);
    g_assert_cmpint(char_fe_write(&f.fe, (const uint8_t *)"abc", 3), ==, 3);
    g_assert_false(chardev_is_reading(chr));
    g_assert_false(pump_once());
    g_assert_cmpint(last_event(&f), ==, CHR_EVENT_OPENED);
    fake_free(&f);
    chardev_cleanup_all();
    g_assert_null(chardev_find("n"));
}

static void test_file(void)
{
    char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "out.txt", NULL);
    g_autofree char *opts = g_strdup_printf("file,id=f,path=%s", path);
    g_autofree char *opts_append = g_strdup_printf("file,id=f,path=%s,append=on", path);
    g_autofree char *contents = NULL;
    FakeFe f;

    fake_attach(&f, new_chardev(opts), true, 16);
    g_assert_cmpint(char_fe_write(&f.fe, (const uint8_t *)"hello\n", 6), ==, 6);
    g_assert_false(chardev_is_reading(f.fe.chr)); /* output only */
    fake_free(&f);
    chardev_cleanup_all();

    fake_attach(&f, new_chardev(opts_append), true, 16);
    g_assert_cmpint(char_fe_write(&f.fe, (const uint8_t *)"again\n", 6), ==, 6);
    fake_free(&f);
    chardev_cleanup_all();
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello\nagain\n");
    remove_tmp_dir(dir);
}

static void test_pipe_flow_control(void)
{
    char *dir = tmp_dir();
    g_autofree char *base = make_fifo_pair(dir);
    g_autofree char *opts = g_strdup_printf("pipe,id=p,path=%s", base);
    g_autofree char *in = g_strdup_printf("%s.in", base);
    g_autofree char *out = g_strdup_printf("%s.out", base);
    uint8_t *data = g_malloc(BIG_INPUT);
    uint8_t reply[5];
    Chardev *chr = new_chardev(opts);
    int in_fd = open(in, O_WRONLY | O_NONBLOCK);
    int out_fd = open(out, O_RDONLY | O_NONBLOCK);
    FakeFe f;

    g_assert_cmpint(in_fd, >=, 0);
    g_assert_cmpint(out_fd, >=, 0);
    fake_attach(&f, chr, true, 16);
    fill_pattern(data, BIG_INPUT);
    push_and_drain(in_fd, data, BIG_INPUT, &f, chr);

    g_assert_cmpint(char_fe_write(&f.fe, (const uint8_t *)"reply", 5), ==, 5);
    read_exactly(out_fd, reply, 5);
    g_assert_true(memcmp(reply, "reply", 5) == 0);

    close(in_fd);
    close(out_fd);
    fake_free(&f);
    chardev_cleanup_all();
    g_free(data);
    remove_tmp_dir(dir);
}

static void test_pipe_backpressure(void)
{
    char *dir = tmp_dir();
    g_autofree char *base = make_fifo_pair(dir);
    g_autofree char *opts = g_strdup_printf("pipe,id=p,path=%s", base);
    g_autofree char *in = g_strdup_printf("%s.in", base);
    uint8_t data[10000];
    Chardev *chr = new_chardev(opts);
    int in_fd = open(in, O_WRONLY | O_NONBLOCK);
    int in_pipe = 0;
    FakeFe f;

    fake_attach(&f, chr, true, 0);
    fill_pattern(data, sizeof(data));
    g_assert_cmpint(write(in_fd, data, sizeof(data)), ==, sizeof(data));
    pump(100);
    /* Nothing taken: the queue is full, reading stopped, the rest waits in the FIFO. */
    g_assert_cmpuint(f.got->len, ==, 0);
    g_assert_cmpuint(chardev_queued_input(chr, 0), ==, CHR_QUEUE_LIMIT);
    g_assert_false(chardev_is_reading(chr));
    g_assert_cmpint(ioctl(in_fd, FIONREAD, &in_pipe), ==, 0);
    g_assert_cmpint(in_pipe, ==, sizeof(data) - CHR_QUEUE_LIMIT);

    f.room = 16;
    for (int i = 0; i < PUMP_LIMIT && f.got->len < sizeof(data); i++) {
        pump_once();
    }
    g_assert_cmpuint(f.got->len, ==, sizeof(data));
    g_assert_true(memcmp(f.got->data, data, sizeof(data)) == 0);
    g_assert_true(chardev_is_reading(chr));

    close(in_fd);
    fake_free(&f);
    chardev_cleanup_all();
    remove_tmp_dir(dir);
}

static void test_pipe_single_path(void)
{
    char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "fifo", NULL);
    g_autofree char *opts = g_strdup_printf("pipe,id=p,path=%s", path);
    FakeFe f;

    g_assert_cmpint(mkfifo(path, 0600), ==, 0);
    fake_attach(&f, new_chardev(opts), true, 64);
    int fd = open(path, O_WRONLY | O_NONBLOCK);
    g_assert_cmpint(write(fd, "xyz", 3), ==, 3);
    for (int i = 0; i < PUMP_LIMIT && f.got->len < 3; i++) {
        pump_once();
    }
    g_assert_cmpuint(f.got->len, ==, 3);
    g_assert_true(memcmp(f.got->data, "xyz", 3) == 0);
    close(fd);
    fake_free(&f);
    chardev_cleanup_all();
    remove_tmp_dir(dir);
}

static int unix_client(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static int tcp_client(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static void pump_until_event(FakeFe *f, int event)
{
    for (int i = 0; i < PUMP_LIMIT && last_event(f) != event; i++) {
        pump_once();
    }
    g_assert_cmpint(last_event(f), ==, event);
}

static void check_socket_output(FakeFe *f, int client)
{
    uint8_t buf[4];

    g_assert_cmpint(char_fe_write(&f->fe, (const uint8_t *)"ping", 4), ==, 4);
    read_exactly(client, buf, 4);
    g_assert_true(memcmp(buf, "ping", 4) == 0);
}

static void test_unix_server(void)
{
    char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "sock", NULL);
    g_autofree char *opts =
        g_strdup_printf("socket,id=s,path=%s,server=on,wait=off", path);
    uint8_t *data = g_malloc(BIG_INPUT);
    Chardev *chr = new_chardev(opts);
    FakeFe f;

    fake_attach(&f, chr, true, 16);
    g_assert_cmpint(f.nevents, ==, 0); /* nobody connected yet */
    g_assert_cmpint(char_fe_write(&f.fe, (const uint8_t *)"lost", 4), ==, 4);

    int first = unix_client(path);
    pump_until_event(&f, CHR_EVENT_OPENED);
    fill_pattern(data, BIG_INPUT);
    push_and_drain(first, data, BIG_INPUT, &f, chr);
    check_socket_output(&f, first);

    /* A second client waits in the backlog while the first is connected. */
    int second = unix_client(path);
    g_assert_cmpint(write(second, "2nd", 3), ==, 3);
    pump(50);
    g_assert_cmpuint(f.got->len, ==, BIG_INPUT);

    close(first);
    for (int i = 0; i < PUMP_LIMIT && f.nevents < 3; i++) {
        pump_once();
    }
    g_assert_cmpint(f.nevents, ==, 3); /* the waiting client is taken at once */
    g_assert_cmpint(f.events[1], ==, CHR_EVENT_CLOSED);
    g_assert_cmpint(f.events[2], ==, CHR_EVENT_OPENED);
    for (int i = 0; i < PUMP_LIMIT && f.got->len < BIG_INPUT + 3; i++) {
        pump_once();
    }
    g_assert_cmpuint(f.got->len, ==, BIG_INPUT + 3);
    g_assert_true(memcmp(f.got->data + BIG_INPUT, "2nd", 3) == 0);
    check_socket_output(&f, second);

    close(second);
    pump_until_event(&f, CHR_EVENT_CLOSED);
    g_assert_cmpint(char_fe_write(&f.fe, (const uint8_t *)"lost", 4), ==, 4);
    fake_free(&f);
    chardev_cleanup_all();
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS)); /* socket file removed */
    g_free(data);
    remove_tmp_dir(dir);
}

static void test_tcp_server(void)
{
    Chardev *chr =
        new_chardev("socket,id=t,host=127.0.0.1,port=0,server=on,wait=off,nodelay=on");
    int port = chardev_socket_port(chr);
    FakeFe f;

    g_assert_cmpint(port, >, 0);
    fake_attach(&f, chr, true, 16);
    int client = tcp_client(port);
    pump_until_event(&f, CHR_EVENT_OPENED);
    g_assert_cmpint(write(client, "hello tcp", 9), ==, 9);
    for (int i = 0; i < PUMP_LIMIT && f.got->len < 9; i++) {
        pump_once();
    }
    g_assert_cmpuint(f.got->len, ==, 9);
    g_assert_true(memcmp(f.got->data, "hello tcp", 9) == 0);
    check_socket_output(&f, client);
    close(client);
    pump_until_event(&f, CHR_EVENT_CLOSED);
    fake_free(&f);
    chardev_cleanup_all();
}

static int tcp_listener(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void test_tcp_client(void)
{
    int port;
    int listener = tcp_listener(&port);
    g_autofree char *opts = g_strdup_printf("socket,id=c,host=127.0.0.1,port=%d", port);
    FakeFe f;

    fake_attach(&f, new_chardev(opts), true, 16);
    g_assert_cmpint(last_event(&f), ==, CHR_EVENT_OPENED); /* connected at creation */
    int peer = accept(listener, NULL, NULL);
    g_assert_cmpint(peer, >=, 0);
    check_socket_output(&f, peer);
    g_assert_cmpint(write(peer, "back", 4), ==, 4);
    for (int i = 0; i < PUMP_LIMIT && f.got->len < 4; i++) {
        pump_once();
    }
    g_assert_true(f.got->len == 4 && memcmp(f.got->data, "back", 4) == 0);
    close(peer);
    pump_until_event(&f, CHR_EVENT_CLOSED);
    g_assert_cmpint(char_fe_write(&f.fe, (const uint8_t *)"gone", 4), ==, 4);
    fake_free(&f);
    chardev_cleanup_all();
    close(listener);
}

static gpointer connect_when_listening(gpointer path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    for (int i = 0; i < 10000; i++) {
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            return GINT_TO_POINTER(fd);
        }
        g_usleep(1000); /* the server is not listening yet */
    }
    return GINT_TO_POINTER(-1);
}

static void test_socket_wait(void)
{
    char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "wait", NULL);
    g_autofree char *opts = g_strdup_printf("socket,id=w,path=%s,server=on", path);
    GThread *thread = g_thread_new("client", connect_when_listening, path);
    Chardev *chr = new_chardev(opts); /* returns once the client is in */
    int client = GPOINTER_TO_INT(g_thread_join(thread));
    FakeFe f;

    g_assert_cmpint(client, >=, 0);
    fake_attach(&f, chr, true, 16);
    g_assert_cmpint(last_event(&f), ==, CHR_EVENT_OPENED);
    check_socket_output(&f, client);
    close(client);
    fake_free(&f);
    chardev_cleanup_all();
    remove_tmp_dir(dir);
}

static void check_error(const char *opts, const char *expected)
{
    Error *err = NULL;

    g_assert_null(chardev_new_from_opts(opts, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

static void check_spec_error(const char *spec, const char *expected)
{
    Error *err = NULL;

    g_assert_null(chardev_new_from_spec(spec, "serial0", &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

static void test_option_errors(void)
{
    check_error("foo,id=x", "chardev: backend 'foo' not known; try -chardev help");
    check_error("", "chardev: no backend given; try -chardev help");
    check_error("id=x,null", "chardev: no backend given; try -chardev help");
    check_error("null", "chardev: missing required option 'id'");
    check_error("null,id=x,prot=1", "chardev 'x': unknown option 'prot'");
    check_error("null,id=x,path=/tmp/a", "chardev 'x': unknown option 'path'");
    check_error("null,id=x,nosuch", "chardev 'x': unknown option 'nosuch'");
    check_error("null,id=1x",
                "chardev '1x': invalid id (use letters, digits, '-', '.' and '_', "
                "starting with a letter)");
    check_error("file,id=x", "chardev 'x': missing required option 'path'");
    check_error("file,id=x,path", "chardev 'x': option 'path' needs a value");
    check_error(
        "file,id=x,path=/nonexistent/dir/f",
        "chardev 'x': cannot open '/nonexistent/dir/f': No such file or directory");
    check_error("pipe,id=x,path=/nonexistent/p",
                "chardev 'x': cannot open '/nonexistent/p': No such file or directory");
    check_error("stdio,id=x,signal=maybe",
                "chardev 'x': option 'signal' expects on or off, not 'maybe'");
    check_error(
        "socket,id=x,port=99999",
        "chardev 'x': option 'port' expects a port number (0-65535), not '99999'");
    check_error("socket,id=x,port=http",
                "chardev 'x': option 'port' expects a port number (0-65535), not 'http'");
    check_error("socket,id=x", "chardev 'x': socket needs 'port' (tcp) or 'path' (unix)");
    check_error("socket,id=x,path=/tmp/s,port=1",
                "chardev 'x': give 'path' (unix) or 'host'/'port' (tcp), not both");
    check_error("socket,id=x,port=1,wait=off",
                "chardev 'x': 'wait' only applies with server=on");
    check_error("socket,id=x,port=0", "chardev 'x': cannot connect to port 0");
    check_error("socket,id=x,path=/nonexistent/s",
                "chardev 'x': cannot connect to unix:/nonexistent/s: No such file or "
                "directory");

    new_chardev("null,id=x");
    check_error("null,id=x", "chardev 'x': id already in use");
    check_error("null,id=y,mux=on,mux=maybe",
                "chardev 'y': option 'mux' expects on or off, not 'maybe'");
    chardev_cleanup_all();
}

static void test_connect_refused(void)
{
    int port;
    int listener = tcp_listener(&port);
    g_autofree char *opts = g_strdup_printf("socket,id=x,host=127.0.0.1,port=%d", port);
    g_autofree char *msg = g_strdup_printf(
        "chardev 'x': cannot connect to tcp:127.0.0.1:%d: Connection refused", port);

    close(listener); /* nothing listens there now */
    check_error(opts, msg);
}

static void test_spec(void)
{
    Error *err = NULL;
    Chardev *chr = spec_ok("null", "serial0");

    g_assert_cmpstr(chardev_id(chr), ==, "serial0");
    g_assert_true(chardev_new_from_spec("chardev:serial0", "x", &err) == chr);
    g_assert_null(chardev_new_from_spec("none", "serial1", &err));
    g_assert_null(err);

    chr = spec_ok("tcp:127.0.0.1:0,server,nowait", "serial1");
    g_assert_cmpint(chardev_socket_port(chr), >, 0);
    chr = spec_ok("tcp::0,server=on,wait=off", "serial2");
    g_assert_cmpint(chardev_socket_port(chr), >, 0);

    check_spec_error("bogus", "chardev 'serial0': unknown spec 'bogus' (try stdio, "
                              "mon:stdio, null, none, file:PATH, pipe:PATH, "
                              "tcp:[HOST]:PORT, unix:PATH or chardev:ID)");
    check_spec_error("tcp:4444",
                     "chardev 'serial0': 'tcp:4444' should be tcp:[HOST]:PORT");
    check_spec_error("tcp::1,server=on,bad=1", "chardev 'serial0': unknown option 'bad'");
    check_spec_error("chardev:nope", "chardev 'nope' not found");
    chardev_cleanup_all();
}

static void test_spec_file_and_unix(void)
{
    char *dir = tmp_dir();
    g_autofree char *file = g_build_filename(dir, "a,b.log", NULL);
    g_autofree char *sock = g_build_filename(dir, "s", NULL);
    g_autofree char *file_spec = g_strdup_printf("file:%s", file);
    g_autofree char *unix_spec = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    g_autofree char *contents = NULL;
    FakeFe f;

    fake_attach(&f, spec_ok(file_spec, "s0"), true, 1);
    char_fe_write(&f.fe, (const uint8_t *)"spec", 4);
    g_assert_true(g_file_get_contents(file, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "spec");
    spec_ok(unix_spec, "s1");
    close(unix_client(sock));
    fake_free(&f);
    chardev_cleanup_all();
    remove_tmp_dir(dir);
}

static void test_frontends(void)
{
    Chardev *chr = new_chardev("null,id=n");
    Error *err = NULL;
    FakeFe a;
    CharFrontend other, monitor, none;

    fake_attach(&a, chr, true, 1);
    g_assert_false(char_fe_init(&other, chr, true, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "chardev 'n' is already in use by another device");
    error_free(err);
    err = NULL;
    /* Recorded frontends are numbered in attach order; host-side ones are not. */
    expect_ok(char_fe_init(&none, NULL, true, &err), err);
    g_assert_cmpint(none.replay_id, ==, a.fe.replay_id + 1);
    g_assert_cmpint(char_fe_write(&none, (const uint8_t *)"x", 1), ==, 1);
    fake_free(&a);
    expect_ok(char_fe_init(&monitor, chr, false, &err), err);
    g_assert_cmpint(monitor.replay_id, ==, -1);
    char_fe_deinit(&monitor);
    chardev_cleanup_all();
}

static void test_deliver(void)
{
    Chardev *chr = new_chardev("null,id=n");
    FakeFe f;

    fake_attach(&f, chr, true, 8);
    char_fe_deliver(f.fe.replay_id, (const uint8_t *)"logged", 6);
    g_assert_cmpuint(f.got->len, ==, 6);
    g_assert_true(memcmp(f.got->data, "logged", 6) == 0);
    char_fe_deliver(f.fe.replay_id + 100, (const uint8_t *)"x", 1); /* nobody: ignored */
    fake_free(&f);
    chardev_cleanup_all();
}

static void feed(Chardev *base, const char *bytes)
{
    chardev_receive(base, (const uint8_t *)bytes, strlen(bytes));
}

static void test_mux(void)
{
    char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "mux.out", NULL);
    g_autofree char *opts = g_strdup_printf("file,id=m,path=%s,mux=on", path);
    g_autofree char *out = NULL;
    Chardev *mux = new_chardev(opts);
    Chardev *base = chardev_find("m-base");
    ShutdownCause cause;
    FakeFe serial, monitor;

    g_assert_nonnull(base);
    fake_attach(&serial, mux, true, 64);
    fake_attach(&monitor, mux, false, 64);
    feed(base, "ab");
    feed(base, "\x01");
    feed(base, "c"); /* escape split across reads */
    feed(base, "cd\x01\x01"
               "e\x01z\x01"
               "b");
    pump_once();
    g_assert_cmpuint(serial.got->len, ==, 2);
    g_assert_true(memcmp(serial.got->data, "ab", 2) == 0);
    g_assert_cmpuint(monitor.got->len, ==, 4);
    g_assert_true(memcmp(monitor.got->data,
                         "cd\x01"
                         "e",
                         4) == 0);
    g_assert_cmpint(last_event(&monitor), ==, CHR_EVENT_BREAK);
    g_assert_cmpint(last_event(&serial), ==, CHR_EVENT_OPENED);
    g_assert_cmpint(chardev_mux_focus(mux), ==, 1);
    feed(base, "\x01"
               "c");
    g_assert_cmpint(chardev_mux_focus(mux), ==, 0);

    feed(base, "\x01h");
    g_assert_false(runstate_take_host_request(&cause));
    feed(base, "\x01x");
    g_assert_true(runstate_take_host_request(&cause));
    g_assert_cmpint(cause, ==, SHUTDOWN_CAUSE_HOST_QUIT);
    pump_once();
    g_assert_cmpuint(serial.got->len, ==, 2); /* escapes never reach a frontend */

    char_fe_write(&serial.fe, (const uint8_t *)"from serial\n", 12);
    char_fe_write(&monitor.fe, (const uint8_t *)"from monitor\n", 13);
    feed(base, "\x01t");
    char_fe_write(&serial.fe, (const uint8_t *)"stamped\n", 8);
    g_assert_true(g_file_get_contents(path, &out, NULL, NULL));
    g_assert_nonnull(strstr(out, "C-a x    exit emulator"));
    g_assert_nonnull(strstr(out, "from serial\nfrom monitor\n"));
    g_assert_true(
        g_regex_match_simple("\\[00:00:\\d\\d\\.\\d\\d\\d\\] stamped\n", out, 0, 0));

    fake_free(&serial);
    fake_free(&monitor);
    chardev_cleanup_all();
    remove_tmp_dir(dir);
}

static void test_mux_backpressure(void)
{
    char *dir = tmp_dir();
    g_autofree char *base_path = make_fifo_pair(dir);
    g_autofree char *opts = g_strdup_printf("pipe,id=m,path=%s,mux=on", base_path);
    g_autofree char *in = g_strdup_printf("%s.in", base_path);
    uint8_t *data = g_malloc(BIG_INPUT);
    Chardev *mux = new_chardev(opts);
    int in_fd = open(in, O_WRONLY | O_NONBLOCK);
    FakeFe f;

    fake_attach(&f, mux, true, 16);
    for (size_t i = 0; i < BIG_INPUT; i++) {
        data[i] = 'A' + i % 26; /* no escape characters */
    }
    push_and_drain(in_fd, data, BIG_INPUT, &f, mux);
    close(in_fd);
    fake_free(&f);
    chardev_cleanup_all();
    g_free(data);
    remove_tmp_dir(dir);
}

static void test_replay_play_no_input(void)
{
    char *dir = tmp_dir();
    g_autofree char *base = make_fifo_pair(dir);
    g_autofree char *opts = g_strdup_printf("pipe,id=p,path=%s", base);
    g_autofree char *in = g_strdup_printf("%s.in", base);
    g_autofree char *path2 = g_build_filename(dir, "mon", NULL);
    g_autofree char *opts2 = g_strdup_printf("pipe,id=mon,path=%s", path2);
    Chardev *chr = new_chardev(opts);
    int in_fd = open(in, O_WRONLY | O_NONBLOCK);
    int avail = 0;
    FakeFe guest, monitor;

    g_assert_cmpint(mkfifo(path2, 0600), ==, 0);
    fake_attach(&guest, chr, true, 16);
    fake_attach(&monitor, new_chardev(opts2), false, 16);
    replay_mode = REPLAY_MODE_PLAY;
    chardev_set_input_enabled(false);
    g_assert_false(chardev_is_reading(chr));

    g_assert_cmpint(write(in_fd, "deaf", 4), ==, 4);
    int mon_fd = open(path2, O_WRONLY | O_NONBLOCK);
    g_assert_cmpint(write(mon_fd, "info", 4), ==, 4);
    for (int i = 0; i < PUMP_LIMIT && monitor.got->len < 4; i++) {
        pump_once();
    }
    /* The guest hears nothing from the host; the monitor still does. */
    g_assert_cmpuint(guest.got->len, ==, 0);
    g_assert_cmpuint(chardev_queued_input(chr, 0), ==, 0);
    g_assert_cmpint(ioctl(in_fd, FIONREAD, &avail), ==, 0);
    g_assert_cmpint(avail, ==, 4);
    g_assert_cmpuint(monitor.got->len, ==, 4);

    replay_mode = REPLAY_MODE_NONE;
    chardev_set_input_enabled(true);
    g_assert_true(chardev_is_reading(chr));
    close(in_fd);
    close(mon_fd);
    fake_free(&guest);
    fake_free(&monitor);
    chardev_cleanup_all();
    remove_tmp_dir(dir);
}

/*
 * A break changes what the guest sees (the UART loads a BI character), so it passes
 * the replay gate: in replay, Ctrl-A B reaches no recorded frontend (the log
 * delivers breaks, by replay id), while the monitor's events still arrive.
 */
static void test_break_in_replay(void)
{
    char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "mux.out", NULL);
    g_autofree char *opts = g_strdup_printf("file,id=b,path=%s,mux=on", path);
    Chardev *mux = new_chardev(opts);
    Chardev *base = chardev_find("b-base");
    FakeFe serial, monitor;

    fake_attach(&serial, mux, true, 64);
    fake_attach(&monitor, mux, false, 64);
    feed(base, "\x01"
               "b");
    g_assert_cmpint(last_event(&serial), ==, CHR_EVENT_BREAK); /* live: delivered */
    serial.nevents = 0;

#if CONFIG_REPLAY /* the stubs of a build without replay pass every event through */
    replay_mode = REPLAY_MODE_PLAY;
    feed(base, "\x01"
               "b");
    g_assert_cmpint(serial.nevents, ==, 0);
    char_fe_deliver_event(serial.fe.replay_id, CHR_EVENT_BREAK);
    g_assert_cmpint(last_event(&serial), ==, CHR_EVENT_BREAK);
    feed(base, "\x01"
               "c"); /* focus to the monitor, which is not recorded */
    feed(base, "\x01"
               "b");
    g_assert_cmpint(last_event(&monitor), ==, CHR_EVENT_BREAK);
    replay_mode = REPLAY_MODE_NONE;
#endif

    fake_free(&serial);
    fake_free(&monitor);
    chardev_cleanup_all();
    remove_tmp_dir(dir);
}

static void test_help(void)
{
    static const char *const expected[] = {
        "  stdio ",  "  file ",       "  pipe ",       "  null ",    "  socket ",
        "path=PATH", "server=on|off", "signal=on|off", "mux=on|off", "tcp:[HOST]:PORT"};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    chardev_print_help(f);
    fclose(f);
    for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
        g_assert_nonnull(strstr(text, expected[i]));
    }
    free(text);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/null", test_null);
    g_test_add_func("/chardev/file", test_file);
    g_test_add_func("/chardev/pipe/flow-control", test_pipe_flow_control);
    g_test_add_func("/chardev/pipe/backpressure", test_pipe_backpressure);
    g_test_add_func("/chardev/pipe/single-path", test_pipe_single_path);
    g_test_add_func("/chardev/socket/unix-server", test_unix_server);
    g_test_add_func("/chardev/socket/tcp-server", test_tcp_server);
    g_test_add_func("/chardev/socket/tcp-client", test_tcp_client);
    g_test_add_func("/chardev/socket/wait", test_socket_wait);
    g_test_add_func("/chardev/options/errors", test_option_errors);
    g_test_add_func("/chardev/options/connect-refused", test_connect_refused);
    g_test_add_func("/chardev/spec", test_spec);
    g_test_add_func("/chardev/spec/file-unix", test_spec_file_and_unix);
    g_test_add_func("/chardev/frontends", test_frontends);
    g_test_add_func("/chardev/deliver", test_deliver);
    g_test_add_func("/chardev/mux/escapes", test_mux);
    g_test_add_func("/chardev/mux/backpressure", test_mux_backpressure);
    g_test_add_func("/chardev/replay-play", test_replay_play_no_input);
    g_test_add_func("/chardev/break-in-replay", test_break_in_replay);
    g_test_add_func("/chardev/help", test_help);
    return g_test_run();
}
