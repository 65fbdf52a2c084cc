// The SQL floor of applying operations to a replica: the statements that applying
// 100,000 operations runs, executed by C through the same libsqlite3, with no Swift, GRDB
// or JSON in the way. Run by ./run, which explains the variants.
//
// Usage: floor VARIANT.v DATABASE (reads ops.tsv from the current folder, written by
// workload.py). A variant file has sections: "@pragma" and "@schema" (SQL run before the
// clock starts), "@all" (statements run for every operation), "@tag.add", "@tag.remove",
// "@note.create", "@note.edit" (statements run for that kind, after "@all"; several are
// separated by a line ";;"), and "@end" (SQL run once before the commit). Statements
// take the named parameters :kind :hlc :cs :author :article :subject :value :ref :payload.
// Prints: wall seconds, CPU seconds (user + system), database pages.
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
static double cpu(void){struct rusage r; getrusage(RUSAGE_SELF,&r); return r.ru_utime.tv_sec+r.ru_utime.tv_usec/1e6+r.ru_stime.tv_sec+r.ru_stime.tv_usec/1e6;}
#define MAXOPS 100000
static char *F[MAXOPS][9];
static int nops;
static const char *names[] = {":kind", ":hlc", ":cs", ":author", ":article", ":subject", ":value", ":ref", ":payload"};
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static char *slurp(const char *p) { FILE *f = fopen(p, "r"); if (!f) { perror(p); exit(1); } fseek(f, 0, SEEK_END); long n = ftell(f); rewind(f); char *b = malloc(n + 1); fread(b, 1, n, f); b[n] = 0; fclose(f); return b; }
static void check(int rc, sqlite3 *db, const char *what) { if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) { fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db)); exit(1); } }
/* variant file: sections "@schema", "@tag.add", "@tag.remove", "@note.create", "@note.edit", "@pragma"; statements separated by lines ";;" */
typedef struct { char kind[32]; sqlite3_stmt *st[8]; int n; } Kind;
int main(int argc, char **argv) {
    char *tsv = slurp("ops.tsv"); char *line = strtok(tsv, "\n");
    while (line && nops < MAXOPS) { char *s = line; for (int i = 0; i < 9; i++) { char *e = strchr(s, '\t'); if (e) *e = 0; F[nops][i] = strcmp(s, "\\N") ? s : NULL; s = e ? e + 1 : s + strlen(s); } nops++; line = strtok(NULL, "\n"); }
    char *v = slurp(argv[1]); const char *path = argv[2];
    char buf[512]; remove(path); snprintf(buf, sizeof buf, "%s-wal", path); remove(buf); snprintf(buf, sizeof buf, "%s-shm", path); remove(buf);
    sqlite3 *db; check(sqlite3_open(path, &db), db, "open");
    check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", 0, 0, 0), db, "pragma");
    Kind kinds[8]; int nk = 0; char *endsql = NULL; char *sec = strstr(v, "@");
    while (sec) {
        char *nl = strchr(sec, '\n'); *nl = 0; char *name = sec + 1; char *body = nl + 1; char *next;
        if (*body == '@') { next = body; body = ""; } else { next = strstr(body, "\n@"); if (next) { *next = 0; next++; } }  /* an empty section */
        if (!strcmp(name, "end")) { endsql = body; } else if (!strcmp(name, "schema") || !strcmp(name, "pragma")) { check(sqlite3_exec(db, body, 0, 0, 0), db, name); }
        else { Kind *k = &kinds[nk++]; strcpy(k->kind, name); k->n = 0; char *p = body; while (p && *p) { char *e = strstr(p, "\n;;"); if (e) *e = 0; while (*p == '\n') p++; if (*p) { check(sqlite3_prepare_v3(db, p, -1, SQLITE_PREPARE_PERSISTENT, &k->st[k->n], 0), db, p); k->n++; } p = e ? e + 3 : NULL; } }
        sec = next;
    }
    double t0 = now(); double c0 = cpu();
    check(sqlite3_exec(db, "BEGIN", 0, 0, 0), db, "begin");
    for (int i = 0; i < nops; i++) {
        Kind *k = NULL; for (int j = 0; j < nk; j++) if (!strcmp(kinds[j].kind, F[i][0]) || !strcmp(kinds[j].kind, "all")) { k = &kinds[j]; if (strcmp(k->kind, "all")) break; }
        /* run "all" first then kind-specific */
        for (int pass = 0; pass < 2; pass++) for (int j = 0; j < nk; j++) {
            Kind *kk = &kinds[j]; if (pass == 0 ? strcmp(kk->kind, "all") : strcmp(kk->kind, F[i][0])) continue;
            for (int s = 0; s < kk->n; s++) { sqlite3_stmt *st = kk->st[s];
                for (int f = 0; f < 9; f++) { int ix = sqlite3_bind_parameter_index(st, names[f]); if (ix) { if (F[i][f]) sqlite3_bind_text(st, ix, F[i][f], -1, SQLITE_STATIC); else sqlite3_bind_null(st, ix); } }
                int rc; while ((rc = sqlite3_step(st)) == SQLITE_ROW) {} check(rc, db, "step"); sqlite3_reset(st); }
        }
        (void)k;
    }
    if (endsql) check(sqlite3_exec(db, endsql, 0, 0, 0), db, "end");
    check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    double t = now() - t0; double c = cpu() - c0;
    sqlite3_int64 pages = 0; sqlite3_stmt *q; sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, 0); if (sqlite3_step(q) == SQLITE_ROW) pages = sqlite3_column_int64(q, 0); sqlite3_finalize(q);
    printf("%.4f %.4f %lld\n", t, c, pages);
    return 0;
}
