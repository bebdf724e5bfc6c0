/*
 * node.h: a node's folder: its secret key file and its store.
 *
 *   DIR/node.key   the ed25519 seed, mode 0600 ("pokja-key-1 <64 hex digits>\n")
 *   DIR/store/     the LMDB environment (see store.h)
 *
 * The folder is chosen by --dir, else $POKJA_DIR, else NODE_DEFAULT_DIR.
 */
#ifndef NODE_H
#define NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"
#include "proto/error.h"
#include "store.h"

#define NODE_DEFAULT_DIR "/var/lib/pokja"
#define NODE_KEY_FILE "node.key"
#define NODE_STORE_DIR "store"

/* The folder to use: dir when not NULL, else $POKJA_DIR, else NODE_DEFAULT_DIR. */
const char *node_dir(const char *dir);

/* Creates DIR (0700) if needed and a new key file in it; PK_EEXIST if one is there already. */
int node_key_create(const char *dir, uint8_t pub[PK_PUB_BYTES], uint8_t sec[PK_SEC_BYTES],
                    struct pk_diag *d);

/* Loads the key; refuses a key file that others can read (PK_EPERM) or that is malformed. */
int node_key_load(const char *dir, uint8_t pub[PK_PUB_BYTES], uint8_t sec[PK_SEC_BYTES],
                  struct pk_diag *d);

/*
 * Takes the node's run lock, DIR/pokjad.lock (flock, exclusive): pokjad holds it while it runs,
 * and `pokjactl restore`, which must not replace the store under a running pokjad, takes it
 * too. Writes "PID PROG START" (START: Unix seconds) into the file, for the message another
 * taker sees and for `pokjactl status` (health_daemon, health.h). Returns 0 with the
 * open descriptor in *fd (the lock lasts until it is closed or the process exits), PK_EEXIST
 * with "PROG (pid N) is running on DIR" in d when another process holds it (after asking again
 * for 200 ms: `pokjactl status` holds it shared for a moment), PK_EIO otherwise.
 */
int node_lock(const char *dir, const char *prog, int *fd, struct pk_diag *d);

/* Opens DIR's store. PK_ENOTFOUND (with a hint to run init) when the node does not exist. */
int node_store_open(const char *dir, unsigned flags, struct store **s, struct pk_diag *d);

/*
 * LMDB trusts the pages of its file; a damaged file can make a read fault inside it (SIGBUS on
 * a truncated file; SIGSEGV or one of LMDB's assertions, SIGABRT, on a damaged page). This
 * turns such a fault into a one-line message naming the store and the signal, and exit status
 * 1, instead of a core dump. `all` adds SIGSEGV and SIGABRT to SIGBUS: pokjactl, which only
 * reads and writes the store, uses it; pokjad keeps those as crashes, which systemd restarts.
 */
void node_guard_faults(const char *prog, const char *dir, bool all);

/* Milliseconds and seconds since the Unix epoch, from the wall clock. */
uint64_t node_now_ms(void);

#endif
