/* main.c: pokjactl's command table, help, and dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "daemon/log.h"
#include "proto/crypto.h"
#include "proto/version.h"

struct command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *usage; /* after "pokjactl " */
	const char *help;  /* what it does; shown by `pokjactl help CMD` */
};

/* The README's "Commands" section says the same as this table; keep them together. */
static const struct command commands[] = {
    {"init", cmd_init,
     "init [--dir DIR] [--region CODE [--root KEY] | --join TOKEN] [--name NAME] "
     "[--listen URL] [--json]",
     N_("Creates a node in DIR: its key pair (DIR/node.key, mode 0600) and its store.\n"
        "With no --region the node is the national node, the root of trust. With --region\n"
        "(an official Kemendagri code such as 32 or 32.75) it waits for a certificate from\n"
        "its parent: see 'request' and 'install-cert'. --root pins the national node's key\n"
        "(64 hex digits, from 'pokjactl info' there); without it the node trusts the root\n"
        "named in the first certificate set it installs. NAME defaults to the region's\n"
        "official name. --join TOKEN (from 'invite' at the parent) joins online: the\n"
        "parent must be running; the node gets its certificate and a pokjad.conf that\n"
        "names the parent. --listen URL (tcp://HOST:PORT) sets where this node's pokjad\n"
        "listens for its own children.")},
    {"info", cmd_info, "info [--dir DIR] [--json]",
     N_("Shows this node: key, region, level, name, whether it is certified, and how many\n"
        "changesets it holds from each origin.")},
    {"status", cmd_status, "status [--dir DIR] [--tree [--region CODE]] [--json]",
     N_("Shows this node; whether its pokjad is running on DIR and since when (a pokjad\n"
        "killed reads as not running); the changesets of this node's subtree its parent has\n"
        "not acknowledged (unacked:); its parent and children as pokjad last saw them\n"
        "(connected or not: a closed connection at once, a silent one after [sync] poll_wait\n"
        "plus [health] heartbeat; last contact, changesets behind each way, refused, held for\n"
        "their time, the peer's clock against this node's), refused changesets by reason,\n"
        "forked origins, changesets held here until their time (held:), and the free space of\n"
        "the device holding the store, with the line\n"
        "\"DISK FULL: no space left on the device holding DIR\" below 1 MiB free or after a\n"
        "write failed for lack of room (until one succeeds). --json: pokjad {running, pid,\n"
        "since, holder}, unacked and unacked_bytes (null at the national node),\n"
        "disk_free_bytes, disk_full, disk_full_at and, when full, disk_warning; held {count,\n"
        "first_ms}; per peer held and clock_skew (seconds, the peer's clock minus this node's;\n"
        "null: unknown).\n"
        "With pokjad's PostgreSQL mirror on, postgres: lines say where it copies to, whether it\n"
        "is connected, its lag in changesets (and when it last held everything) and its last\n"
        "error; --json: postgres {target, connected, lag, updated, caught_up, error, error_at}\n"
        "(times in Unix seconds), null when no mirror runs.\n"
        "--tree: the whole subtree (of --region CODE, which must lie in this node's region)\n"
        "from the kesehatan_node health records each node's pokjad writes and this node\n"
        "holds: per node region, name, level, when last heard of (its record or newest\n"
        "changeset), lag (changesets unacknowledged up / behind its parent down) and what is\n"
        "wrong, worst first; a node not heard of for longer than [health] stale_after is\n"
        "flagged. --json: {region, now, stale_after, count, stale, nodes: [{region, name,\n"
        "level, key, last_heard, last_heard_ago, stale, severity, problems, health_record,\n"
        "version, started, written, lag_up, lag_down, unacked, unacked_bytes, refused,\n"
        "refused_by_reason, forks, disk_used_bytes, disk_free_bytes, disk_full, links}]}.")},
    {"invite", cmd_invite,
     "invite [--dir DIR] --region CODE [--name NAME] [--valid 72h] [--url URL] [--json]",
     N_("Prints a one-line invite token for a new child node: this node's address and key,\n"
        "a one-time secret and the region granted (strictly inside this node's: a province\n"
        "or a kabupaten/kota, not a kecamatan or desa). It works once, until --valid has\n"
        "passed (h, d or m; default 72h). URL is where the child dials (default: [node]\n"
        "listen from pokjad.conf, when it names an address).")},
    {"revoke", cmd_revoke, "revoke [--dir DIR] NODE [--reason TEXT]",
     N_("Revokes the certificate of NODE (its 64-digit key), a node certified below this one:\n"
        "a signed record, filed under this node's own region, that replicates like any\n"
        "other; from then on every node refuses\n"
        "NODE's changesets and its sessions.")},
    /* ---- backup, restore (cmd_backup.c) ---- */
    {"backup", cmd_backup, "backup [--dir DIR] FILE|- [--json]",
     N_("Writes a consistent, compacted copy of this node's store to FILE (mode 0600, written\n"
        "whole or not at all; '-' writes to stdout), while pokjad and other writers go on.\n"
        "The copy holds no key: keep a copy of DIR/node.key apart (it never changes).")},
    {"restore", cmd_restore, "restore [--dir DIR] FILE [--json]",
     N_("Puts a backup back on a stopped node (pokjad must not run). The backup is checked\n"
        "whole first and must belong to DIR/node.key; the store it replaces is kept as\n"
        "DIR/store.before-restore-TIME. Local writes are then held until pokjad has heard\n"
        "this node's latest sequence from its peers (its parent; the national node: a child)\n"
        "and got back its own changesets made after the backup, so that the node never\n"
        "forks its own log. 'status' shows when writes are held.")},
    {"allow-writes", cmd_allow_writes, "allow-writes [--dir DIR]",
     N_("Lets a restored node write before it has heard its own latest sequence from its\n"
        "peers. Only for when no later changeset of this node exists anywhere (say, its\n"
        "peers are gone too): otherwise its next write forks its log, and every peer then\n"
        "refuses its changesets.")},
    /* ---- the web application's accounts (cmd_user.c) ---- */
    {"user", cmd_user,
     "user add [--dir DIR] NAME --role ROLE [--name \"FULL NAME\"] [--password-file FILE|-] "
     "[--json] | user list [--dir DIR] [--json] | user disable [--dir DIR] NAME [--json] | "
     "user enable [--dir DIR] NAME [--json] | user role [--dir DIR] NAME ROLE [--json] | "
     "user passwd [--dir DIR] NAME [--password-file FILE|-] [--json]",
     N_("The local accounts of the office web application served by pokjad. They are this\n"
        "node's own: never in a changeset, so they do not replicate and no bundle carries\n"
        "them; a backup keeps them. NAME: 1 to 32 characters of a-z, 0-9, '.', '_' and '-'.\n"
        "ROLE: operator (enters and edits this office's records, follows up directives),\n"
        "verifikator (gives verdicts on the lower levels' records), pimpinan (reads only) or\n"
        "admin (all, and the IT pages). A password has 8 to 128 bytes (at least 8\n"
        "characters); it is read from --password-file FILE (its first line; '-': standard\n"
        "input), else typed twice without echo on a terminal, else the first line of\n"
        "standard input; it is stored as an argon2id hash that no command shows.\n"
        "\n"
        "user add [--dir DIR] NAME --role ROLE [--name \"FULL NAME\"] [--password-file FILE|-]\n"
        "  Adds an account; FULL NAME is at most 64 bytes of UTF-8. A name taken is refused.\n"
        "user list [--dir DIR] [--json]\n"
        "  Lists the accounts: name, role, active or disabled, created and password set (UTC),\n"
        "  full name. --json: [{name, role, full_name, disabled, created, password_changed}].\n"
        "user disable|enable [--dir DIR] NAME\n"
        "  A disabled account can no longer log in; enable lets it in again.\n"
        "user role [--dir DIR] NAME ROLE\n"
        "  Gives the account another role.\n"
        "user passwd [--dir DIR] NAME [--password-file FILE|-]\n"
        "  Sets a new password.\n"
        "\n"
        "With --json each command that changes an account prints it as list --json does.")},
    /* ---- the web application's HTTPS certificate (cmd_web.c) ---- */
    {"web", cmd_web, "web cert [--dir DIR] [--days N] [--host NAME]... [--force] [--json]",
     N_("Makes a self-signed certificate and its key for the office web application that\n"
        "pokjad serves over https://: DIR/web/cert.pem and DIR/web/key.pem (mode 0600, in a\n"
        "folder of mode 0700), an ECDSA P-256 key, valid N days (default 825, at most\n"
        "36500), for the hosts NAME (a host name or an IP address; repeatable; default:\n"
        "localhost, 127.0.0.1 and this machine's name) as its subjectAltName. Made by the\n"
        "openssl command. Existing files are refused unless --force replaces them. Unless\n"
        "[web] tls_cert of DIR/pokjad.conf names a certificate already, sets [web] tls_cert\n"
        "and tls_key to the files made (the rest of the file stays as it is). Prints the\n"
        "files, the hosts, the certificate's SHA-256 fingerprint (as browsers show it: check\n"
        "it before accepting the certificate) and, unless [web] listen is https:// already,\n"
        "the line to set it (listen = https://0.0.0.0:8443); restart pokjad then. --json:\n"
        "{cert, key, days, hosts, fingerprint_sha256, config, config_set, config_tls_cert,\n"
        "listen_hint}.")},
    /* ---- offline bundles (cmd_bundle.c) ---- */
    {"bundle", cmd_bundle,
     "bundle create [--dir DIR] [--for NODE] -o FILE [--json] | bundle apply [--dir DIR] FILE "
     "[--json]",
     N_("Offline bundles carry signed changesets by hand to and from an office with no link.\n"
        "\n"
        "bundle create [--dir DIR] [--for NODE] -o FILE [--json]\n"
        "  Writes to FILE, signed by this node, the changesets NODE lacks of its lineage as\n"
        "  far as this node knows (from pokjad's last session with NODE, or the last bundle\n"
        "  NODE made that was applied here; before either, NODE's whole lineage), with the\n"
        "  certificates that check them and what this node holds. Without --for: every\n"
        "  changeset held. NODE is a key (64 hex digits) or the region code of a node whose\n"
        "  certificate is held (\"\" for the national node).\n"
        "\n"
        "bundle apply [--dir DIR] FILE [--json]\n"
        "  Checks FILE as a whole (one changed byte, or a creator from another network,\n"
        "  refuses all of it), then applies each changeset as live sync does. Changesets\n"
        "  outside this node's lineage are left out (refused when the bundle was made for\n"
        "  this node). Prints how many were applied, already held and refused, by reason,\n"
        "  and logs the first 20 refusals on stderr as pokjad logs them (apply-refused,\n"
        "  cert-refused); exit status 1 when anything was refused. Applying a bundle again\n"
        "  changes nothing.\n"
        "\n"
        "Both work while pokjad runs.")},
    /* ---- exports and reports (cmd_export.c, cmd_rekap.c, cmd_wilayah.c) ---- */
    {"export", cmd_export,
     "export [--dir DIR] COLLECTION [--region PREFIX] [--format csv|json|jsonl|xlsx] [--excel] "
     "[-o FILE] [--json]",
     N_("Writes a collection's records (not deleted ones), optionally only those inside a\n"
        "region, as CSV (the default), a JSON array or JSON Lines, to stdout or into FILE\n"
        "(written whole to a temporary file, then renamed; a failed export leaves FILE as it\n"
        "was). Each record: key, wilayah, nama_wilayah (the region's official name, empty\n"
        "when the code is not on the list), the collection's fields in schema order ('pokjactl\n"
        "schema COLLECTION'), diubah (its last change, ISO 8601 UTC), diubah_oleh and\n"
        "diubah_oleh_wilayah (the name and region of the node that made it). CSV: RFC 4180,\n"
        "UTF-8, CRLF rows, a header row; an absent field is empty, a list field is JSON array\n"
        "text such as [\"a\",\"b\"], numbers as stored (a fraction in its shortest exact\n"
        "text). JSON: an absent field is left out. With -o it prints the count, or with\n"
        "--json {\"records\": N, \"file\": FILE}; without -o, --json means --format json.\n"
        "--excel (CSV): the dialect of Excel in an Indonesian locale: a UTF-8 byte order mark,\n"
        "';' between cells, a decimal comma (12,5), CRLF rows; a text cell a spreadsheet would\n"
        "read as a number, a date or a formula (a code such as 32.10, a telephone number\n"
        "0812..., a date) gets an invisible ZERO WIDTH SPACE (U+200B) in front, so that it\n"
        "stays text through editing and saving, and import takes it off again (the =\"32.10\"\n"
        "trick does not survive a save). xlsx (needs -o FILE): one sheet, a bold header row\n"
        "frozen above the data, numbers as numbers (biaya and other rupiah with thousands\n"
        "separators), key, wilayah and every code as text, dates and diubah as dates, lists as\n"
        "JSON array text; at most 1048574 records (else use --region or CSV).\n"
        "The region list's ODbL notice goes to stderr, never into the data.")},
    {"rekap", cmd_rekap,
     "rekap [--dir DIR] kegiatan|arahan|kumuh [--region PREFIX] "
     "[--level provinsi|kabupaten|kecamatan|desa] [--tahun Y] [--today DATE] "
     "[--by wilayah|sumber_biaya|strategi|status|verifikasi] [--json|--csv|--format xlsx|html] "
     "[-o FILE]",
     N_("Recap reports (read-only). kegiatan: activities per group (--by wilayah, the\n"
        "default, sumber_biaya, strategi, status or verifikasi, the derived verification\n"
        "state: belum diverifikasi, disetujui, perlu perbaikan, ditolak): how many, by status,\n"
        "participants, cost, and cost per funding source; participants and cost leave out "
        "cancelled "
        "activities\n"
        "(status batal), whose cost has a column of its own. arahan: for each directive with\n"
        "a target in the region, the nodes it targets (a province or kabupaten/kota aimed at;\n"
        "for an arahan aimed at its writer's own region, every node one level below it on the\n"
        "official list), and per target when its pokjad received it (the penerimaan receipt),\n"
        "its latest tindak_lanjut (for that arahan, by wilayah_arahan and key) and status, and\n"
        "whether it is open, overdue (past batas_tindak_lanjut and not selesai), done, or late\n"
        "(selesai after the deadline); the rate weighs selesai 1, dilaksanakan 1/2,\n"
        "direncanakan or none 0, over the targets. --today DATE judges deadlines on DATE\n"
        "(default: today). kumuh: luas_ha, jumlah_kk and jumlah_rumah summed per region and\n"
        "year.\n"
        "--region PREFIX: only records inside it (default: this node's region; for arahan a\n"
        "region below kabupaten/kota stands for its kabupaten/kota). --level: the level rows\n"
        "are grouped at (default: one below the region); a record above it gets a row for its\n"
        "own region. --tahun: that year only. Funding sources and strategies are grouped\n"
        "ignoring case and extra spaces. Text for people (1.250.000; hectares as 12,50),\n"
        "--csv (RFC 4180) or --json (exact numbers) for machines; -o FILE writes the report\n"
        "to FILE atomically. --format text|csv|json|xlsx|html says the same; xlsx (needs -o\n"
        "FILE): one sheet per table, a bold header row, counts and rupiah as numbers with\n"
        "thousands separators, hectares as numbers with two decimals, the total as the last\n"
        "row. html: one page to print for a meeting, self-contained (its style inside, nothing\n"
        "loaded): this node's name and region as the letterhead, the date and time it was made,\n"
        "the tables of the text report with their totals, A4 landscape. References in the\n"
        "report's scope that name a record not held here (a tindak_lanjut of an arahan, or a\n"
        "verifikasi of a record, that has not arrived) are listed after the text tables and\n"
        "as 'dangling_references' in JSON, not dropped.")},
    {"arahan", cmd_arahan, "arahan [--dir DIR] [--due N] [--region PREFIX] [--today DATE] [--json]",
     N_("Lists the directives (arahan) to act on in this node's subtree (or in PREFIX): each\n"
        "target node whose latest tindak_lanjut is not selesai and whose batas_tindak_lanjut\n"
        "has passed or falls within N days (default 14), most overdue first, with the days\n"
        "left or late, whether its pokjad received the directive (the penerimaan receipt it\n"
        "writes by itself) and the latest status. --today DATE counts from DATE. --json:\n"
        "{region, today, due_days, count, arahan: [{key, wilayah, judul, wilayah_sasaran,\n"
        "batas_tindak_lanjut, target, target_name, days_left, overdue, diterima,\n"
        "tindak_lanjut, status}]}.")},
    {"template", cmd_template, "template COLLECTION [--format csv|xlsx|json] [--excel] [-o FILE]",
     N_("An empty file to fill in for 'import' (no node needed): the columns key, wilayah and\n"
        "every field of COLLECTION, in schema order. csv (the default; --excel for the Excel\n"
        "dialect, as 'export --excel'): the header row only. xlsx (needs -o FILE): the header\n"
        "row on sheet COLLECTION, its columns formatted for what they hold (codes as text, dates\n"
        "as dates), a list of the allowed values in each choice column, and a second sheet\n"
        "'kolom' with each column's type, whether it is required, its allowed values and\n"
        "meaning. json (also --json): {collection, doc, columns: [{name, type, required,\n"
        "values, min, max, doc}]}. Leave key empty for a new record (a key is made) and\n"
        "wilayah empty for this node's own region.")},
    {"wilayah", cmd_wilayah, "wilayah [CODE|NAME] [--json]",
     N_("Looks up the official Kemendagri region list built into the program (no node\n"
        "needed). No argument: the 38 provinces. CODE (such as 32.75.01): its name, level\n"
        "and the regions it lies in, and its direct children (kabupaten/kota of a province,\n"
        "kecamatan of a kabupaten/kota, desa/kelurahan of a kecamatan). NAME: the regions\n"
        "whose name contains it, ignoring case, higher levels first, at most 50 shown with\n"
        "the total. Exit status 1 when the code or name is not on the list. The list's ODbL\n"
        "notice ends the text output (on stderr with --json).")},
    {"request", cmd_request, "request [--dir DIR] -o FILE",
     N_("Writes this node's join request (its key, region and name, signed by it) to FILE,\n"
        "to be carried to the parent, which answers with 'certify'.")},
    {"certify", cmd_certify, "certify [--dir DIR] REQUEST -o FILE [--days N] [--json]",
     N_("At a parent: checks a join request, issues a certificate for a region inside this\n"
        "node's own, valid N days (default 3650), and writes the certificate set (the root\n"
        "key and the whole chain) to FILE for the child's 'install-cert'. A key certified\n"
        "before for the same region gets the same certificate again; one certified elsewhere\n"
        "is refused (cert-conflict: a node that moves makes a new key).")},
    {"install-cert", cmd_install_cert, "install-cert [--dir DIR] FILE",
     N_("Installs the certificate set from the parent's 'certify'. After it the node can\n"
        "write.")},
    {"put", cmd_put, "put [--dir DIR] COLLECTION [KEY] --json JSON|- [--replace]",
     N_("Validates a new record (a JSON object of its fields; '-' reads it from stdin) and\n"
        "writes it as one signed changeset. 'wilayah' in the object sets the region (default:\n"
        "the node's own; \"\" is the whole country). Prints the record's key, generated when\n"
        "not given. A KEY that names a live record in that region is refused: 'edit' changes\n"
        "some fields of it, and --replace replaces the whole record (fields left out of JSON\n"
        "are then gone). A field's value may also be a string as people write it: \"Rp\n"
        "15.000.000\" or \"15.000.000\" for rupiah and other whole numbers, \"12,5\" with a\n"
        "decimal comma, a month's name (\"Maret\", \"Agt\") for bulan, a date day first (\"17\n"
        "Agustus 2026\", \"17/08/2026\"), a choice in any letter case (\"Disahkan\"). Every\n"
        "problem of the record is reported at once, each naming its field and how to write\n"
        "it, and nothing is written; a region code without its dots (\"3275\") is refused\n"
        "with the code meant (\"did you mean 32.75 (Kota Bekasi)?\"). A node writes only its\n"
        "own records: those of its region, and for a kabupaten/kota those of its kecamatan\n"
        "and desa too (another office's are refused).")},
    {"edit", cmd_edit,
     "edit [--dir DIR] COLLECTION KEY [--region CODE] --set FIELD=VALUE ... "
     "[--unset FIELD ...] [--json]",
     N_("Changes some fields of a live record and keeps the others, as one signed changeset.\n"
        "--set FIELD=VALUE (repeatable) gives a field a value, read by the field's type\n"
        "('pokjactl schema COLLECTION') as put reads a string: int a whole number (--set\n"
        "bulan=3, --set bulan=Maret, --set biaya='Rp 15.000.000'), num a number (12,5 or\n"
        "12.5), bool true or false (ya/tidak), a date 2026-08-17 or day first (17/08/2026),\n"
        "a choice in any letter case, a list a JSON array (--set x='[\"a\",\"b\"]') or a comma\n"
        "list (--set x='a, b': items trimmed, empty ones left out; '' is the empty list), every\n"
        "other type the text as it is. --unset FIELD removes a field that is not required.\n"
        "The result is checked like a put; a record that does not exist, an unknown field, a\n"
        "value of the wrong type or out of range, or unsetting a required field is refused\n"
        "(every such option reported at once) and nothing is written. The record must still\n"
        "be the version read when the write commits (else: refused, run it again). Prints the\n"
        "fields changed, or with --json the record as 'get --json' shows it.")},
    {"get", cmd_get, "get [--dir DIR] COLLECTION KEY [--region CODE] [--json]",
     N_("Shows one record, with who changed it last and when: diubah (ISO 8601 UTC, the\n"
        "changeset's hybrid clock) and diubah_oleh (the writing node's name and region, from\n"
        "the certificate held for its key, and the key's first 16 hex digits). --json prints\n"
        "one object with key, wilayah, the fields, diubah_oleh {nama, wilayah, kunci} and\n"
        "diubah.")},
    {"list", cmd_list, "list [--dir DIR] COLLECTION [--region PREFIX] [--json]",
     N_("Lists a collection's records, optionally only those inside a region. --json prints\n"
        "a JSON array of objects as 'get --json' does (key, wilayah, the fields, diubah_oleh,\n"
        "diubah).")},
    {"history", cmd_history, "history [--dir DIR] COLLECTION KEY [--region CODE] [--json]",
     N_("Lists every version of a record held here, deleted ones too, oldest first (the order\n"
        "of last-writer-wins: the last is the record as stored): its number, the changeset\n"
        "(sequence in its origin's log), who wrote it and when (as 'get'), and the fields it\n"
        "added (+), changed (~, old -> new) or removed (-) against the version before; a\n"
        "delete shows as deleted. --json: {collection, key, wilayah, versions: [{version,\n"
        "seq, origin, diubah_oleh, diubah, hlc, deleted, changes: [{field, change\n"
        "(added|changed|removed), old, new}]}]}.")},
    {"del", cmd_del, "del [--dir DIR] COLLECTION KEY [--region CODE]",
     N_("Deletes a record (a signed tombstone that replicates like any write).")},
    {"verifikasi", cmd_verifikasi,
     "verifikasi [--dir DIR] [COLLECTION KEY setujui|perbaiki|tolak [--catatan TEXT]] "
     "[--region CODE] [--collection NAME] [--json]",
     N_("Without a record: the queue of what awaits this node's verdict, the records of the\n"
        "nodes below it (inside --region PREFIX, default this node's region; of --collection\n"
        "NAME, default every collection but verifikasi, pencabutan and kesehatan_node) that\n"
        "have no verdict of this node newer than their last change, with their state. --json:\n"
        "an array of records as 'get --json' shows them, with 'collection'. With COLLECTION\n"
        "KEY and a verdict: writes this node's verifikasi of the record, under this node's\n"
        "region, hasil diterima (setujui), perbaikan (perbaiki) or ditolak (tolak), with\n"
        "--catatan as the note for the lower node; its key is COLLECTION:REGION:KEY, so a new\n"
        "verdict replaces this node's last one. A record not held here, this node's own\n"
        "record or one not below it is refused. A record's state (get, list, export) is\n"
        "derived: the newest verdict of a node above its owner, when newer than the record's\n"
        "last change; else belum diverifikasi (an edit sends a record back to the queue).")},
    {"import", cmd_import,
     "import [--dir DIR] FILE.jsonl|FILE.csv [--format jsonl|csv] [--collection NAME] "
     "[--replace] [--json]",
     N_("Bulk load from JSON Lines or CSV (chosen by --format, else by the name: .csv is CSV).\n"
        "JSONL: one JSON object per line, with a 'collection' member (or --collection) and\n"
        "optionally 'key' and 'wilayah'. CSV (--collection NAME is required): the columns\n"
        "'export --format csv' writes, a header row first: key, wilayah, the fields\n"
        "('pokjactl schema NAME'); nama_wilayah, diubah, diubah_oleh and diubah_oleh_wilayah\n"
        "are ignored, so an exported file edited in a spreadsheet loads back (with --replace).\n"
        "Both the RFC 4180 dialect (',', decimal point) and Excel's in an Indonesian locale\n"
        "(byte order mark, ';', decimal comma, 1.250.000) are read, told apart by the header\n"
        "line. An empty cell is an absent field; an empty key makes a new record, an empty\n"
        "wilayah is this node's region. Every value (a cell, or a string in a JSON line) is\n"
        "read by the field's type as put reads it: \"Rp 15.000.000\", month names, dates day\n"
        "first, choices in any letter case, true/false (ya/tidak, benar/salah), lists as JSON\n"
        "array text or a comma list; with ',' between cells a dot is the decimal point. Every\n"
        "line or row is checked first and every error is reported as FILE:LINE with the field\n"
        "or column, every bad field of every row (the first 50, then how many more); when any\n"
        "is wrong nothing is written. Then each line or row whose key names a live record (in\n"
        "its region) is compared with it: one equal to it is left out (unchanged), so\n"
        "importing a file again writes only what is new or changed. One that would change it,\n"
        "or that names the same record as an earlier line, is refused: all such are reported\n"
        "by FILE:LINE and nothing is written. --replace replaces such records whole (fields\n"
        "left out are then gone; the last line of a record wins): use it to update records\n"
        "from an edited export. Lines without a key are new records. The records left are\n"
        "written in chunks of 8,192 (one transaction each, many per changeset), so pokjad\n"
        "sends the first chunks up while the rest are written. An import stopped part way\n"
        "(Ctrl-C or SIGTERM at the next chunk, a kill or power cut anywhere) keeps whole\n"
        "chunks and notes how far it got: the same command on the same file says which lines\n"
        "are in and writes only the rest, rows without a key included. Shows progress on a\n"
        "terminal.")},
    {"log", cmd_log, "log [--dir DIR] [--origin KEY] [--json]",
     N_("Lists the changesets held, by origin and sequence ('self' for this node's own), each\n"
        "with the record its first op writes (collection region/key, '-' before a delete) and\n"
        "how many more it holds. --json: every op's record, as records [{collection, wilayah,\n"
        "key, deleted}].")},
    {"verify", cmd_verify, "verify [--dir DIR] [--json]",
     N_("Re-checks every stored changeset (encoding, signature, hash chain), every head,\n"
        "every record against its changeset, the key index and the certificates, and says\n"
        "where each problem sits in the data file. Exit status 1 when anything is wrong.")},
    {"schema", cmd_schema, "schema [COLLECTION] [--json]",
     N_("Lists the collections, or one collection's fields with their types and limits.")},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void overview(FILE *f)
{
	fprintf(f, _("usage: pokjactl [--dir DIR] [--lang id|en] COMMAND [ARGS]\n\n"));
	/* TRANSLATORS: %s is the default node folder, /var/lib/pokja. */
	fprintf(f,
	        _("pokja-sync admin tool. DIR is the node folder (default $POKJA_DIR, else %s).\n"
	          "Messages are in Indonesian; in English with --lang en or LANG=en_US.UTF-8.\n\n"),
	        NODE_DEFAULT_DIR);
	fprintf(f, "%s\n", _("Commands:"));
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  pokjactl %s\n", commands[i].usage);
	fprintf(f, "\n%s\n",
	        _("'pokjactl help COMMAND' tells more. Exit status: 0 success, 1 failure, "
	          "2 usage error."));
}

int cli_usage(const struct cli *c)
{
	const struct command *cmd = find(c->cmd);

	if (cmd != NULL)
		/* TRANSLATORS: the command line that follows stays as it is. */
		fprintf(stderr, "%s pokjactl %s\n", _("usage:"), cmd->usage);
	return EXIT_USAGE;
}

static int help(const char *name)
{
	const struct command *cmd;

	if (name == NULL) {
		overview(stdout);
		return EXIT_OK;
	}
	if ((cmd = find(name)) == NULL) {
		fprintf(stderr, _("pokjactl: no command '%s' (see 'pokjactl help')\n"), name);
		return EXIT_USAGE;
	}
	printf("%s pokjactl %s\n\n%s\n", _("usage:"), cmd->usage, _(cmd->help));
	return EXIT_OK;
}

/* The value of the option --lang anywhere on the command line ("--lang X" or "--lang=X"), NULL
 * when there is none: the language is set before any other option is read, so that even an
 * error about those comes in it. */
static const char *lang_option(int argc, char **argv)
{
	const char *lang = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			lang = argv[++i];
		else if (strncmp(argv[i], "--lang=", 7) == 0)
			lang = argv[i] + 7;
	}
	return lang;
}

int main(int argc, char **argv)
{
	struct cli c = {"pokjactl", NULL, NULL, false};
	const struct command *cmd;
	const char *dir = NULL;
	const char *lang = lang_option(argc, argv);
	int i = 1, rc;

	if (i18n_init(lang) != 0) {
		i18n_init(NULL);
		fprintf(stderr, _("pokjactl: --lang '%s': the languages are id and en\n"), lang);
		return EXIT_USAGE;
	}
	log_init("pokjactl", LOG_WARN);
	if (pk_crypto_init() != 0) {
		fprintf(stderr, _("pokjactl: cannot initialise libsodium\n"));
		return EXIT_FAIL;
	}
	/* Global options may come before the command too. */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--dir=", 6) == 0) {
			dir = argv[i++] + 6;
		} else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
			i += 2; /* read by lang_option */
		} else if (strncmp(argv[i], "--lang=", 7) == 0) {
			i++;
		} else if (strcmp(argv[i], "--json") == 0) {
			c.json = true;
			i++;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			return help(NULL);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("pokjactl %s\n", PK_VERSION);
			return EXIT_OK;
		} else {
			fprintf(stderr, _("pokjactl: unknown option '%s' (see 'pokjactl help')\n"),
			        argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return help(i + 1 < argc ? argv[i + 1] : NULL);
	if ((cmd = find(argv[i])) == NULL) {
		fprintf(stderr, _("pokjactl: no command '%s' (see 'pokjactl help')\n"), argv[i]);
		return EXIT_USAGE;
	}
	c.cmd = cmd->name;
	c.dir = dir;
	rc = cmd->run(&c, argc - i - 1, argv + i + 1);
	if (rc == -1)
		return help(cmd->name);
	return rc;
}
