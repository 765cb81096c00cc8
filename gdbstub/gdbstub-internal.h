/*
 * Shared by the gdbstub's files: the connection (gdbstub.c), the command handlers
 * (commands.c), the registers and target description (registers.c) and the
 * breakpoints (breakpoints.c).
 */
#ifndef GDBSTUB_GDBSTUB_INTERNAL_H
#define GDBSTUB_GDBSTUB_INTERNAL_H

#include "gdbstub/gdbstub.h"
#include "chardev/char.h"
#include "monitor/monitor.h"

typedef struct CPUX86State CPUX86State;

/* Packets are traced under -d gdb. */
#define GDB_LOG LOG_GDB

/* Largest packet gdb may send us (announced as PacketSize). */
#define GDB_MAX_PACKET 16384

typedef enum GDBRxState {
    RX_IDLE,  /* between packets: '$', '+', '-' or Ctrl-C */
    RX_DATA,  /* inside $...# */
    RX_CSUM1, /* first checksum digit */
    RX_CSUM2,
} GDBRxState;

/* A breakpoint or watchpoint gdb inserted: removed again when gdb goes away. */
typedef struct GDBPoint {
    int type; /* Z type: 0, 1 breakpoints; 2 write, 3 read, 4 access watchpoint */
    uint64_t addr, len;
} GDBPoint;

typedef struct GDBState {
    CharFrontend fe;
    bool connected;
    /* packet reception */
    GDBRxState rx;
    GString *in;
    uint8_t rx_sum;
    char rx_csum[2];
    GString *last_reply; /* for a '-' (retransmit) */
    bool no_ack;         /* QStartNoAckMode */
    /* the session */
    bool waiting;     /* gdb waits for a stop reply (c, s, vCont, bc, bs) */
    bool interrupted; /* Ctrl-C: the next stop is reported as SIGINT */
    bool swbreak;     /* gdb understands swbreak/hwbreak stop reasons */
    bool phys_mode;   /* Qqemu.PhyMemMode:1: m/M address physical memory */
    GArray *points;   /* GDBPoint */
    /* monitor commands (qRcmd) */
    Monitor *mon;
    bool rcmd_running; /* a qRcmd let the VM run; OK follows the stop */
    guint rcmd_keepalive;
} GDBState;

/* --- gdbstub.c: replies --- */
void gdb_reply(GDBState *s, const char *payload);
/* Binary payload, escaped as the protocol wants ('$', '#', '}', '*'). */
void gdb_reply_binary(GDBState *s, const char *payload, size_t len);
void gdb_reply_error(GDBState *s, int code);
/* The "T..." packet for the VM's last stop. */
void gdb_format_stop(GDBState *s, GString *out);
/* D: reply OK, drop gdb's breakpoints, leave the VM stopped where it is. */
void gdb_detach(GDBState *s);

/* --- commands.c --- */
void gdb_handle_packet(GDBState *s, const char *pkt, size_t len);
/* A run that gdb waits for has begun: its stop will be reported. */
void gdb_resumed(GDBState *s);
/* A monitor command that ran the VM is over (or gdb left). */
void gdb_rcmd_end(GDBState *s);

/* --- registers.c --- */
/* The target description gdb reads with qXfer:features:read:target.xml. */
const char *gdb_target_xml(void);
/* Append register n as little-endian hex; false if there is no such register. */
bool gdb_read_register(CPUX86State *env, unsigned n, GString *hex);
/* All registers, as the 'g' packet lays them out. */
void gdb_read_registers(CPUX86State *env, GString *hex);
/*
 * Write register n from len bytes (little-endian). Only a live run allows writes;
 * registers whose change would need more than a plain store (selectors, control
 * registers) accept only their current value.
 */
bool gdb_write_register(CPUX86State *env, unsigned n, const uint8_t *buf, size_t len,
                        Error **errp);
bool gdb_write_registers(CPUX86State *env, const uint8_t *buf, size_t len, Error **errp);

/* --- breakpoints.c --- */
/* Z and z packets (insert is true for Z). */
void gdb_handle_point(GDBState *s, const char *args, bool insert);
/* gdb went away: remove what it inserted. */
void gdb_remove_all_points(GDBState *s);
/* "watch", "rwatch" or "awatch": the stop reply for a watchpoint at addr. */
const char *gdb_watch_stop_kind(GDBState *s, uint64_t addr);

/* --- hex helpers (commands.c) --- */
int gdb_hex_value(char c);
/* Decode hex into buf; false on a bad digit. len is the number of bytes. */
bool gdb_hex_decode(const char *hex, uint8_t *buf, size_t len);
void gdb_hex_append(GString *out, const uint8_t *buf, size_t len);
/* "ADDR,LEN" (hex); *end points after what was parsed. */
bool gdb_parse_addr_len(const char *p, uint64_t *addr, uint64_t *len, const char **end);

#endif
