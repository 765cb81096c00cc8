/* The socket chardev: a TCP or unix stream socket, as server (one client) or client. */
#include <fcntl.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "util/log.h"

/*
 * How long a write waits for a client that stops reading. After one such timeout the
 * client counts as stalled and writes stop waiting, so a stuck peer cannot slow the
 * machine to one byte per timeout.
 */
#define SOCKET_WRITE_WAIT_MS 1000

typedef struct SocketChardev {
    Chardev chr;
    bool is_unix;
    bool server;
    bool nodelay;
    char *host; /* tcp; NULL: any (server) or localhost (client) */
    char *port;
    char *path; /* unix */
    char *desc; /* "tcp:HOST:PORT" or "unix:PATH", for messages */
    int listen_fd;
    guint listen_watch;
    int conn_fd;
    bool write_stalled;
} SocketChardev;

static SocketChardev *socket_chardev(Chardev *chr)
{
    return container_of(chr, SocketChardev, chr);
}

static void socket_update_listen_watch(SocketChardev *s);

static void socket_connected(SocketChardev *s, int fd)
{
    int one = 1;

    if (s->nodelay && !s->is_unix) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    s->conn_fd = fd;
    s->write_stalled = false;
    log_mask_printf(LOG_CHARDEV, "chardev '%s': connected (%s)\n", s->chr.id, s->desc);
    chardev_set_input_fd(&s->chr, fd);
    socket_update_listen_watch(s);
    chardev_set_opened(&s->chr, true);
}

/* The server listens again; a client stays disconnected. */
static void socket_disconnect(SocketChardev *s)
{
    if (s->conn_fd < 0) {
        return;
    }
    chardev_set_input_fd(&s->chr, -1);
    close(s->conn_fd);
    s->conn_fd = -1;
    log_mask_printf(LOG_CHARDEV, "chardev '%s': disconnected (%s)\n", s->chr.id, s->desc);
    chardev_set_opened(&s->chr, false);
    socket_update_listen_watch(s);
}

static void socket_accept(SocketChardev *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd < 0) {
        log_mask_printf(LOG_CHARDEV, "chardev '%s': accept: %s\n", s->chr.id,
                        strerror(errno));
        return;
    }
    socket_connected(s, fd);
}

static gboolean socket_listen_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    socket_accept(opaque); /* removes this watch once connected */
    return G_SOURCE_CONTINUE;
}

/* One client at a time: later ones wait in the backlog until this one leaves. */
static void socket_update_listen_watch(SocketChardev *s)
{
    bool want = s->listen_fd >= 0 && s->conn_fd < 0;

    if (want && !s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN, socket_listen_ready, s);
    } else if (!want && s->listen_watch) {
        g_source_remove(s->listen_watch);
        s->listen_watch = 0;
    }
}

static bool unix_address(SocketChardev *s, struct sockaddr_un *sa, Error **errp)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(s->path) >= sizeof(sa->sun_path)) {
        error_setg(errp, "chardev '%s': unix socket path too long: '%s'", s->chr.id,
                   s->path);
        return false;
    }
    strcpy(sa->sun_path, s->path);
    return true;
}

/* A socket file left by an earlier run would make bind() fail; other files stay. */
static void unlink_stale_socket(const char *path)
{
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
}

static int unix_listen(SocketChardev *s, Error **errp)
{
    struct sockaddr_un sa;
    int fd;

    if (!unix_address(s, &sa, errp)) {
        return -1;
    }
    unlink_stale_socket(s->path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot listen on %s", s->chr.id,
                         s->desc);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static struct addrinfo *tcp_resolve(SocketChardev *s, const char *host, int flags,
                                    Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = flags};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, s->port, &hints, &res);

    if (rc != 0) {
        error_setg(errp, "chardev '%s': cannot resolve %s: %s", s->chr.id, s->desc,
                   gai_strerror(rc));
        return NULL;
    }
    return res;
}

static int tcp_bind_one(const struct addrinfo *ai, int *err)
{
    int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);

    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
        bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
        return fd;
    }
    *err = errno;
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

static int tcp_listen(SocketChardev *s, Error **errp)
{
    struct addrinfo *res = tcp_resolve(s, s->host, AI_PASSIVE, errp);
    int fd = -1;
    int err = EADDRNOTAVAIL;

    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = tcp_bind_one(ai, &err);
    }
    if (res) {
        freeaddrinfo(res);
        if (fd < 0) {
            error_setg_errno(errp, err, "chardev '%s': cannot listen on %s", s->chr.id,
                             s->desc);
        }
    }
    return fd;
}

static int tcp_connect_one(const struct addrinfo *ai, int *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        return fd;
    }
    *err = errno;
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

static int tcp_connect(SocketChardev *s, Error **errp)
{
    struct addrinfo *res = tcp_resolve(s, s->host ? s->host : "localhost", 0, errp);
    int fd = -1;
    int err = EADDRNOTAVAIL;

    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = tcp_connect_one(ai, &err);
    }
    if (res) {
        freeaddrinfo(res);
        if (fd < 0) {
            error_setg_errno(errp, err, "chardev '%s': cannot connect to %s", s->chr.id,
                             s->desc);
        }
    }
    return fd;
}

static int unix_connect(SocketChardev *s, Error **errp)
{
    struct sockaddr_un sa;
    int fd;

    if (!unix_address(s, &sa, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot connect to %s", s->chr.id,
                         s->desc);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static bool socket_connect(SocketChardev *s, Error **errp)
{
    int fd = s->is_unix ? unix_connect(s, errp) : tcp_connect(s, errp);

    if (fd < 0) {
        return false;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    socket_connected(s, fd);
    return true;
}

/* wait=on: the machine must not start before its first client is there. */
static bool socket_wait_first_client(SocketChardev *s, Error **errp)
{
    struct pollfd pfd = {.fd = s->listen_fd, .events = POLLIN};

    fprintf(stderr, "reprise: waiting for connection on %s,server=on\n", s->desc);
    while (s->conn_fd < 0) {
        if (poll(&pfd, 1, -1) < 0) {
            error_setg_errno(errp, errno,
                             "chardev '%s': stopped waiting for a connection on %s",
                             s->chr.id, s->desc);
            return false;
        }
        socket_accept(s);
    }
    return true;
}

static void socket_describe_bound_port(SocketChardev *s)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    bool v6;

    if (s->is_unix || getsockname(s->listen_fd, (struct sockaddr *)&ss, &len) < 0) {
        return;
    }
    v6 = ss.ss_family == AF_INET6;
    g_free(s->port);
    s->port = g_strdup_printf("%d", ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port));
    g_free(s->desc);
    s->desc = g_strdup_printf("tcp:%s:%s", s->host ? s->host : "", s->port);
}

static bool socket_start_server(SocketChardev *s, bool wait, Error **errp)
{
    s->listen_fd = s->is_unix ? unix_listen(s, errp) : tcp_listen(s, errp);
    if (s->listen_fd < 0) {
        return false;
    }
    socket_describe_bound_port(s); /* port=0 picks one: say which */
    if (wait && !socket_wait_first_client(s, errp)) {
        return false;
    }
    socket_update_listen_watch(s);
    return true;
}

static char *describe_address(const char *host, const char *port)
{
    bool v6_literal = host && strchr(host, ':');

    return g_strdup_printf(v6_literal ? "tcp:[%s]:%s" : "tcp:%s:%s", host ? host : "",
                           port);
}

static bool socket_check_opts(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    bool has_path = chardev_opt_is_set(opts, "path");
    bool has_inet = chardev_opt_is_set(opts, "host") || chardev_opt_is_set(opts, "port");

    if (has_path && has_inet) {
        error_setg(errp,
                   "chardev '%s': give 'path' (unix) or 'host'/'port' (tcp), not both",
                   chr->id);
    } else if (!has_path && !chardev_opt_is_set(opts, "port")) {
        error_setg(errp, "chardev '%s': socket needs 'port' (tcp) or 'path' (unix)",
                   chr->id);
    } else if (!chardev_opt_bool(opts, "server", false) &&
               chardev_opt_is_set(opts, "wait")) {
        error_setg(errp, "chardev '%s': 'wait' only applies with server=on", chr->id);
    } else if (!has_path && !chardev_opt_bool(opts, "server", false) &&
               strtol(chardev_opt_str(opts, "port"), NULL, 10) == 0) {
        error_setg(errp, "chardev '%s': cannot connect to port 0", chr->id);
    } else {
        return true;
    }
    return false;
}

static void socket_take_opts(SocketChardev *s, const ChardevOpts *opts)
{
    s->server = chardev_opt_bool(opts, "server", false);
    s->nodelay = chardev_opt_bool(opts, "nodelay", false);
    s->path = g_strdup(chardev_opt_str(opts, "path"));
    s->is_unix = s->path != NULL;
    s->host = g_strdup(chardev_opt_str(opts, "host"));
    s->port = g_strdup(chardev_opt_str(opts, "port"));
    s->desc = s->is_unix ? g_strdup_printf("unix:%s", s->path)
                         : describe_address(s->host, s->port);
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = socket_chardev(chr);

    if (s->conn_fd >= 0) {
        close(s->conn_fd);
    }
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        if (s->is_unix) {
            unlink(s->path);
        }
    }
    g_free(s->host);
    g_free(s->port);
    g_free(s->path);
    g_free(s->desc);
}

static bool socket_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    SocketChardev *s = socket_chardev(chr);
    bool ok;

    s->listen_fd = s->conn_fd = -1;
    if (!socket_check_opts(chr, opts, errp)) {
        return false;
    }
    socket_take_opts(s, opts);
    chr->opened = false;
    if (s->server) {
        ok = socket_start_server(s, chardev_opt_bool(opts, "wait", true), errp);
    } else {
        ok = socket_connect(s, errp);
    }
    if (!ok) {
        chardev_set_input_fd(chr, -1);
        socket_close(chr);
    }
    return ok;
}

static int socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    SocketChardev *s = socket_chardev(chr);
    int wait_ms = s->write_stalled ? 0 : SOCKET_WRITE_WAIT_MS;
    int done;

    if (s->conn_fd < 0) {
        return len; /* nobody there: like a cable plugged into nothing */
    }
    done = chardev_write_fd(chr, s->conn_fd, buf, len, true, wait_ms);
    if (done < len && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        s->write_stalled = true;
    } else if (done < len) {
        socket_disconnect(s);
    } else {
        s->write_stalled = false;
    }
    return done;
}

static void socket_input_closed(Chardev *chr)
{
    socket_disconnect(socket_chardev(chr));
}

int chardev_socket_port(Chardev *chr)
{
    SocketChardev *s;

    if (chr->drv != &chardev_driver_socket) {
        return -1;
    }
    s = socket_chardev(chr);
    return s->is_unix || s->listen_fd < 0 ? -1 : atoi(s->port);
}

static const ChardevKey socket_keys[] = {
    {"host", CHR_KEY_STRING, false, "HOST", "tcp: address (default any / localhost)"},
    {"port", CHR_KEY_PORT, false, "PORT", "tcp: port (0 with server=on: any free one)"},
    {"path", CHR_KEY_STRING, false, "PATH", "unix: socket path"},
    {"server", CHR_KEY_BOOL, false, "on|off", "listen for one client at a time"},
    {"wait", CHR_KEY_BOOL, false, "on|off", "server: wait for a client before starting"},
    {"nodelay", CHR_KEY_BOOL, false, "on|off", "tcp: disable Nagle's algorithm"},
    {NULL},
};

const ChardevDriver chardev_driver_socket = {
    .name = "socket",
    .summary = "TCP or unix stream socket, server or client",
    .keys = socket_keys,
    .state_size = sizeof(SocketChardev),
    .open = socket_open,
    .write = socket_write,
    .input_closed = socket_input_closed,
    .close = socket_close,
};
