/*
 * evoladder.domain.matchmaking._kernel: a min-cost perfect assignment of a square sparse matrix, with
 * optimal dual potentials. The Python side is evoladder/domain/matchmaking/_assignment.py, which documents why
 * this exists (no maintained library returns the duals of a sparse assignment) and falls back to
 * scipy when this module was not built. Also the augmenting-path search of _augment.py (`paths`,
 * below the assignment), whose steps depend on the current matching and are cheapest generated
 * on the fly.
 *
 * solve(n, rows, cols, cost, col_of_row, u, v, max_scans) -> int
 *   n        rows = columns
 *   rows     int64[nnz], row of each entry           (read; entries in any order)
 *   cols     int64[nnz], column of each entry        (read)
 *   cost     int64[nnz], cost of each entry          (read; any sign)
 *   col_of_row int32[n], u int64[n], v int64[n]      (written)
 *   max_scans  the most columns the shortest-path searches may scan in all, or -1 for no limit
 * The entries are bucketed by row here (a counting sort, O(nnz)): sorting them in numpy took
 * longer than most solves.
 * Returns the number of columns scanned (>= 0) on success, -1 when no perfect assignment exists,
 * -2 when max_scans ran out first (the outputs are then unspecified). A warm start (costs
 * reduced by estimated duals) usually needs a fraction of a cold solve's scans, but on some
 * queues (many players tied at 1500, many left out) it needed six times as many; the limit
 * lets the caller cut such a solve short and solve cold instead. On success every row has a
 * column, every column a row, u[i] + v[j] <= cost[i, j] for every entry, with
 * equality on the assigned ones: (u, v) is an optimal solution of the dual LP, which proves the
 * assignment optimal.
 *
 * Method: shortest augmenting paths (Jonker and Volgenant, 1987; Volgenant's sparse variant).
 *  1. Column reduction: v[j] = the smallest cost in column j.
 *  2. Augmenting row reduction, two passes with a work limit: a free row takes the column of its
 *     smallest reduced cost (evicting its holder) and that column's v drops by the difference to
 *     the row's second smallest, so the row's assigned reduced cost stays its minimum. The limit
 *     matters: with the matchmaker's tier weights the unlimited phase is pseudo-polynomial.
 *  3. Every row still free: Dijkstra over columns on reduced costs (non-negative because every
 *     assigned row sits at its minimum) with a 4-ary indexed heap, stopping at the first free
 *     column whose distance no heap entry beats; the scanned columns' v move by their distance,
 *     which keeps every reduced cost non-negative; then the path is flipped.
 * Everything is integer arithmetic: exact for |cost| < 2**61 / n.
 * The GIL is released during the solve (the matchmaker runs big waves in a worker thread).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    int64_t key;
    int32_t col;
} Item;

/* --- a 4-ary min-heap of columns with decrease-key (pos[col] = index in the heap, or -1) ------- */

static void heap_place(Item *heap, int32_t *pos, int32_t i, Item x) {
    while (i > 0) {
        int32_t parent = (i - 1) >> 2;
        if (heap[parent].key <= x.key) break;
        heap[i] = heap[parent];
        pos[heap[i].col] = i;
        i = parent;
    }
    heap[i] = x;
    pos[x.col] = i;
}

static void heap_set(Item *heap, int32_t *pos, int32_t *size, int64_t key, int32_t col) {
    int32_t i = pos[col];
    Item x = {key, col};
    if (i < 0) i = (*size)++;
    heap_place(heap, pos, i, x); /* keys only ever decrease */
}

static Item heap_pop(Item *heap, int32_t *pos, int32_t *size) {
    Item top = heap[0];
    pos[top.col] = -1;
    int32_t n = --(*size);
    if (n == 0) return top;
    Item last = heap[n];
    int32_t i = 0;
    for (;;) {
        int32_t child = 4 * i + 1;
        if (child >= n) break;
        int32_t end = child + 4 < n ? child + 4 : n;
        int32_t best = child;
        for (int32_t k = child + 1; k < end; k++)
            if (heap[k].key < heap[best].key) best = k;
        if (heap[best].key >= last.key) break;
        heap[i] = heap[best];
        pos[heap[i].col] = i;
        i = best;
    }
    heap[i] = last;
    pos[last.col] = i;
    return top;
}

/* --- the solver ------------------------------------------------------------------------------ */

typedef struct {
    int32_t n;
    const int64_t *indptr;
    const int32_t *indices;
    const int64_t *cost;
    int32_t *col_of_row;
    int64_t *u;
    int64_t *v;
    int64_t max_scans; /* -1: no limit */
    int64_t scans;
    /* work arrays */
    int32_t *row_of_col;
    int64_t *own;  /* cost of each assigned row's entry */
    int64_t *dist;
    int32_t *pred;
    int32_t *pos;
    int32_t *scanned;
    int32_t *touched;
    int32_t *free_rows;
    uint8_t *done;
    Item *heap;
} Lap;

static const int64_t INF = INT64_MAX / 4;

static int64_t entry_cost(const Lap *s, int32_t row, int32_t col) {
    for (int64_t k = s->indptr[row]; k < s->indptr[row + 1]; k++)
        if (s->indices[k] == col) return s->cost[k];
    return INF; /* not reached: callers ask for entries that exist */
}

static void assign(Lap *s, int32_t row, int32_t col) {
    s->col_of_row[row] = col;
    s->row_of_col[col] = row;
}

static void column_reduction(Lap *s) {
    for (int32_t j = 0; j < s->n; j++) {
        s->v[j] = INF;
        s->row_of_col[j] = -1;
        s->dist[j] = INF;
        s->pos[j] = -1;
        s->done[j] = 0;
    }
    for (int32_t i = 0; i < s->n; i++) {
        s->col_of_row[i] = -1;
        for (int64_t k = s->indptr[i]; k < s->indptr[i + 1]; k++)
            if (s->cost[k] < s->v[s->indices[k]]) s->v[s->indices[k]] = s->cost[k];
    }
    for (int32_t j = 0; j < s->n; j++)
        if (s->v[j] == INF) s->v[j] = 0; /* an empty column: no perfect assignment; found later */
}

/* Two passes of augmenting row reduction; returns the number of rows left free in free_rows. */
static int32_t row_reduction(Lap *s) {
    int32_t n_free = 0;
    for (int32_t i = 0; i < s->n; i++) s->free_rows[n_free++] = i;
    int64_t budget = 4 * (int64_t)s->n;
    for (int pass = 0; pass < 2 && budget > 0; pass++) {
        int32_t k = 0, previous = n_free;
        n_free = 0;
        while (k < previous) {
            int32_t i = s->free_rows[k++];
            if (--budget < 0) {
                s->free_rows[n_free++] = i;
                continue;
            }
            int64_t first = INF, second = INF;
            int32_t j1 = -1, j2 = -1;
            for (int64_t e = s->indptr[i]; e < s->indptr[i + 1]; e++) {
                int32_t j = s->indices[e];
                int64_t h = s->cost[e] - s->v[j];
                if (h < second) {
                    if (h >= first) {
                        second = h;
                        j2 = j;
                    } else {
                        second = first;
                        j2 = j1;
                        first = h;
                        j1 = j;
                    }
                }
            }
            if (j1 < 0) { /* an empty row: left to the search, which reports it */
                s->free_rows[n_free++] = i;
                continue;
            }
            int32_t holder = s->row_of_col[j1];
            if (first < second) {
                s->v[j1] -= second - first;
            } else if (holder >= 0 && j2 >= 0) { /* a tie: take the other column, evict nobody */
                j1 = j2;
                holder = s->row_of_col[j2];
            }
            if (holder >= 0) s->col_of_row[holder] = -1;
            assign(s, i, j1);
            if (holder >= 0) {
                if (first < second)
                    s->free_rows[--k] = holder; /* again at once: its best column got dearer */
                else
                    s->free_rows[n_free++] = holder;
            }
        }
    }
    for (int32_t i = 0; i < s->n; i++)
        if (s->col_of_row[i] >= 0) s->own[i] = entry_cost(s, i, s->col_of_row[i]);
    return n_free;
}

/* One shortest augmenting path from free row f; returns 0 when there is none.
 * The relaxation of a column is written out in the loop over the row's entries, with the
 * arrays in local restrict pointers: as a function taking the Lap (not inlined by -O2, and
 * every array reloaded through the struct after each store) it took half the solve's time. */
static int augment(Lap *s, int32_t f) {
    const int64_t *restrict indptr = s->indptr;
    const int32_t *restrict indices = s->indices;
    const int64_t *restrict cost = s->cost;
    const int32_t *restrict row_of_col = s->row_of_col;
    const int64_t *restrict own = s->own;
    int64_t *restrict v = s->v;
    int64_t *restrict dist = s->dist;
    int32_t *restrict pred = s->pred;
    int32_t *restrict pos = s->pos;
    int32_t *restrict touched = s->touched;
    uint8_t *restrict done = s->done;
    Item *restrict heap = s->heap;
    int32_t heap_size = 0, n_scanned = 0, n_touched = 0, end = -1;
    int64_t free_d = INF;
    int32_t i = f;
    int64_t base = 0;
    for (;;) {
        for (int64_t k = indptr[i]; k < indptr[i + 1]; k++) {
            int32_t j = indices[k];
            int64_t d = base + cost[k] - v[j];
            if (d >= dist[j] || done[j]) continue;
            if (dist[j] == INF) touched[n_touched++] = j;
            dist[j] = d;
            pred[j] = i;
            if (row_of_col[j] < 0) {
                if (d < free_d) {
                    free_d = d;
                    end = j;
                }
            } else {
                heap_set(heap, pos, &heap_size, d, j);
            }
        }
        if (!(heap_size > 0 && heap[0].key < free_d)) break;
        Item it = heap_pop(heap, pos, &heap_size);
        int32_t j = it.col;
        i = row_of_col[j];
        done[j] = 1;
        s->scanned[n_scanned++] = j;
        base = it.key - (own[i] - v[j]);
    }
    s->scans += n_scanned;
    int found = end >= 0;
    if (found) {
        for (int32_t t = 0; t < n_scanned; t++) {
            int32_t j = s->scanned[t];
            v[j] += dist[j] - free_d;
        }
        for (int32_t j = end;;) {
            int32_t r = s->pred[j], previous = s->col_of_row[r];
            assign(s, r, j);
            s->own[r] = entry_cost(s, r, j);
            if (r == f) break;
            j = previous;
        }
    }
    for (int32_t t = 0; t < n_touched; t++) {
        int32_t j = touched[t];
        dist[j] = INF;
        done[j] = 0;
        pos[j] = -1;
    }
    return found;
}

/* 1: solved, 0: no perfect assignment, -2: the scan limit ran out. */
static int run(Lap *s) {
    column_reduction(s);
    int32_t n_free = row_reduction(s);
    s->scans = 0;
    for (int32_t t = 0; t < n_free; t++) {
        int32_t f = s->free_rows[t];
        if (s->col_of_row[f] < 0 && !augment(s, f)) return 0;
        if (s->max_scans >= 0 && s->scans > s->max_scans) return -2;
    }
    for (int32_t i = 0; i < s->n; i++) s->u[i] = s->own[i] - s->v[s->col_of_row[i]];
    return 1;
}

static int solve_arrays(Lap *s) {
    size_t n = (size_t)(s->n > 0 ? s->n : 1);
    s->row_of_col = malloc(n * sizeof(int32_t));
    s->own = malloc(n * sizeof(int64_t));
    s->dist = malloc(n * sizeof(int64_t));
    s->pred = malloc(n * sizeof(int32_t));
    s->pos = malloc(n * sizeof(int32_t));
    s->scanned = malloc(n * sizeof(int32_t));
    s->touched = malloc(n * sizeof(int32_t));
    s->free_rows = malloc(n * sizeof(int32_t));
    s->done = malloc(n);
    s->heap = malloc(n * sizeof(Item));
    int result = -1; /* -1: out of memory, else as run() */
    if (s->row_of_col && s->own && s->dist && s->pred && s->pos && s->scanned && s->touched &&
        s->free_rows && s->done && s->heap)
        result = run(s);
    free(s->row_of_col);
    free(s->own);
    free(s->dist);
    free(s->pred);
    free(s->pos);
    free(s->scanned);
    free(s->touched);
    free(s->free_rows);
    free(s->done);
    free(s->heap);
    return result;
}

/* --- augmenting paths of a matching over (player, side) states ------------------------------- */

/*
 * The cheap augmenting-path search of _augment.py (_cheapest_paths documents the graph). State
 * 2p + 1 is "player p, free, plays BW", 2p is "p plays SC2". From (p, X), pairing p with an
 * allowed partner q on the other side breaks q's pair and frees q's mate m, who may take either
 * of its sides: the step (p, X) -> (m, Y), weighing the pair's reduced cost minus that of the
 * broken pair (clamped at 0, capped at HEAVY, plus 1). The steps are generated as the search
 * reaches a state, from the allowed slot pairs (b, s, reduced), bucketed here by each end (a
 * counting sort), so nothing per step is built.
 * Dijkstra from every source state at distance 0 (a binary heap with lazy deletion); dist is
 * INF where a state is not reached, prev the state each one was reached from (-1 at sources).
 */

typedef struct {
    int64_t key;
    int32_t state;
} Entry;

static const int64_t HEAVY = (int64_t)1 << 40;

static void entry_push(Entry *heap, int64_t *size, Entry x) {
    int64_t i = (*size)++;
    while (i > 0) {
        int64_t parent = (i - 1) >> 1;
        if (heap[parent].key <= x.key) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = x;
}

static Entry entry_pop(Entry *heap, int64_t *size) {
    Entry top = heap[0];
    int64_t n = --(*size);
    Entry last = heap[n];
    int64_t i = 0;
    for (;;) {
        int64_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && heap[child + 1].key < heap[child].key) child++;
        if (heap[child].key >= last.key) break;
        heap[i] = heap[child];
        i = child;
    }
    if (n > 0) heap[i] = last;
    return top;
}

typedef struct {
    int32_t n;
    int64_t m;          /* allowed slot pairs */
    const int64_t *b;   /* BW owner of each pair */
    const int64_t *s;   /* SC2 owner */
    const int64_t *red; /* twice its reduced cost */
    const uint8_t *has[2]; /* [0]: has an SC2 slot; [1]: has a BW slot */
    const uint8_t *source;
    const int32_t *mate;
    const int64_t *mate_red;
    int64_t *dist;
    int32_t *prev;
} Search;

/* The pairs bucketed by one end: ptr[p]..ptr[p + 1] index `pair` for owner p (counting sort). */
static void bucket(int32_t n, int64_t m, const int64_t *owner, int64_t *ptr, int64_t *pair) {
    for (int32_t p = 0; p <= n; p++) ptr[p] = 0;
    for (int64_t k = 0; k < m; k++) ptr[owner[k] + 1]++;
    for (int32_t p = 0; p < n; p++) ptr[p + 1] += ptr[p];
    int64_t *fill = pair + m; /* scratch after the output: n entries */
    for (int32_t p = 0; p < n; p++) fill[p] = ptr[p];
    for (int64_t k = 0; k < m; k++) pair[fill[owner[k]]++] = k;
}

static int search_run(Search *s) {
    int32_t states = 2 * s->n;
    size_t n1 = (size_t)s->n + 1, m = (size_t)s->m;
    int64_t capacity = states + 2 * 2 * s->m + 1;
    Entry *heap = malloc((size_t)capacity * sizeof(Entry));
    uint8_t *done = calloc((size_t)(states > 0 ? states : 1), 1);
    int64_t *ptr[2] = {malloc(n1 * sizeof(int64_t)), malloc(n1 * sizeof(int64_t))};
    int64_t *pair[2] = {malloc((m + n1) * sizeof(int64_t)), malloc((m + n1) * sizeof(int64_t))};
    int ok = heap && done && ptr[0] && ptr[1] && pair[0] && pair[1];
    if (ok) {
        bucket(s->n, s->m, s->s, ptr[0], pair[0]); /* a player's SC2 slot -> its BW partners */
        bucket(s->n, s->m, s->b, ptr[1], pair[1]); /* a player's BW slot -> its SC2 partners */
        int64_t size = 0;
        for (int32_t x = 0; x < states; x++) {
            s->dist[x] = INF;
            s->prev[x] = -1;
        }
        for (int32_t p = 0; p < s->n; p++)
            for (int side = 0; side < 2; side++)
                if (s->source[p] && s->has[side][p]) {
                    s->dist[2 * p + side] = 0;
                    entry_push(heap, &size, (Entry){0, 2 * p + side});
                }
        while (size > 0) {
            Entry it = entry_pop(heap, &size);
            int32_t x = it.state;
            if (done[x]) continue;
            done[x] = 1;
            int32_t p = x >> 1, side = x & 1;
            const int64_t *partner_of = side ? s->s : s->b;
            for (int64_t e = ptr[side][p]; e < ptr[side][p + 1]; e++) {
                int64_t k = pair[side][e];
                int32_t partner = (int32_t)partner_of[k], freed = s->mate[partner];
                if (freed < 0 || freed == p) continue;
                int64_t made = s->red[k] > 0 ? s->red[k] : 0;
                int64_t broken = s->mate_red[partner] > 0 ? s->mate_red[partner] : 0;
                int64_t gain = made - broken;
                int64_t d = it.key + (gain < 0 ? 0 : gain > HEAVY ? HEAVY : gain) + 1;
                for (int next = 0; next < 2; next++) {
                    int32_t y = 2 * freed + next;
                    if (!s->has[next][freed] || done[y] || d >= s->dist[y]) continue;
                    s->dist[y] = d;
                    s->prev[y] = x;
                    entry_push(heap, &size, (Entry){d, y});
                }
            }
        }
    }
    free(heap);
    free(done);
    for (int side = 0; side < 2; side++) {
        free(ptr[side]);
        free(pair[side]);
    }
    return ok ? 0 : -1;
}

/* --- the Python binding ---------------------------------------------------------------------- */

static int check(const Py_buffer *b, Py_ssize_t itemsize, Py_ssize_t count, const char *name) {
    if (b->itemsize != itemsize || b->len != itemsize * count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes", name, count, itemsize);
        return 0;
    }
    return 1;
}

static int valid_coo(Py_ssize_t n, const Py_buffer *rows, const Py_buffer *cols,
                     const Py_buffer *cost, const Py_buffer *col_of_row, const Py_buffer *u,
                     const Py_buffer *v) {
    if (n < 0 || n > INT32_MAX - 1) {
        PyErr_SetString(PyExc_ValueError, "n out of range");
        return 0;
    }
    Py_ssize_t nnz = rows->len / 8;
    if (!check(rows, 8, nnz, "rows") || !check(cols, 8, nnz, "cols") || !check(cost, 8, nnz, "cost") ||
        !check(col_of_row, 4, n, "col_of_row") || !check(u, 8, n, "u") || !check(v, 8, n, "v"))
        return 0;
    const int64_t *r = rows->buf, *c = cols->buf;
    for (Py_ssize_t k = 0; k < nnz; k++)
        if (r[k] < 0 || r[k] >= n || c[k] < 0 || c[k] >= n) {
            PyErr_SetString(PyExc_ValueError, "a row or column index is out of range");
            return 0;
        }
    return 1;
}

/* The entries bucketed by row (CSR), then the solve: as run(), or -1 when out of memory. */
static int solve_coo(Lap *s, int64_t nnz, const int64_t *rows, const int64_t *cols,
                     const int64_t *cost) {
    size_t n = (size_t)s->n;
    int64_t *indptr = calloc(n + 1, sizeof(int64_t));
    int64_t *fill = malloc((n > 0 ? n : 1) * sizeof(int64_t));
    int32_t *indices = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int32_t));
    int64_t *data = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int64_t));
    int result = -1;
    if (indptr && fill && indices && data) {
        for (int64_t k = 0; k < nnz; k++) indptr[rows[k] + 1]++;
        for (size_t i = 0; i < n; i++) {
            indptr[i + 1] += indptr[i];
            fill[i] = indptr[i];
        }
        for (int64_t k = 0; k < nnz; k++) {
            int64_t at = fill[rows[k]]++;
            indices[at] = (int32_t)cols[k];
            data[at] = cost[k];
        }
        s->indptr = indptr;
        s->indices = indices;
        s->cost = data;
        result = solve_arrays(s);
    }
    free(indptr);
    free(fill);
    free(indices);
    free(data);
    return result;
}

static PyObject *py_solve(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t n;
    long long max_scans;
    Py_buffer rows, cols, cost, col_of_row, u, v;
    if (!PyArg_ParseTuple(args, "ny*y*y*w*w*w*L", &n, &rows, &cols, &cost, &col_of_row, &u, &v,
                          &max_scans))
        return NULL;
    PyObject *out = NULL;
    if (valid_coo(n, &rows, &cols, &cost, &col_of_row, &u, &v)) {
        Lap s = {
            .n = (int32_t)n,
            .col_of_row = col_of_row.buf,
            .u = u.buf,
            .v = v.buf,
            .max_scans = max_scans < 0 ? -1 : (int64_t)max_scans,
        };
        int64_t nnz = (int64_t)(rows.len / 8);
        const int64_t *r = rows.buf, *c = cols.buf, *w = cost.buf;
        int result;
        Py_BEGIN_ALLOW_THREADS
        result = solve_coo(&s, nnz, r, c, w);
        Py_END_ALLOW_THREADS
        if (result == -1)
            out = PyErr_NoMemory();
        else
            out = PyLong_FromLongLong(result == 1 ? s.scans : result == 0 ? -1 : -2);
    }
    PyBuffer_Release(&rows);
    PyBuffer_Release(&cols);
    PyBuffer_Release(&cost);
    PyBuffer_Release(&col_of_row);
    PyBuffer_Release(&u);
    PyBuffer_Release(&v);
    return out;
}

static int valid_search(Py_ssize_t n, Py_buffer *b /* 10 buffers, in py_paths' order */) {
    if (n < 0 || n > INT32_MAX / 2 - 1) {
        PyErr_SetString(PyExc_ValueError, "n out of range");
        return 0;
    }
    Py_ssize_t m = b[0].len / 8;
    if (!check(&b[0], 8, m, "b") || !check(&b[1], 8, m, "s") || !check(&b[2], 8, m, "reduced") ||
        !check(&b[3], 1, n, "has_bw") || !check(&b[4], 1, n, "has_sc") ||
        !check(&b[5], 1, n, "sources") || !check(&b[6], 4, n, "mate") ||
        !check(&b[7], 8, n, "mate_reduced") || !check(&b[8], 8, 2 * n, "dist") ||
        !check(&b[9], 4, 2 * n, "prev"))
        return 0;
    const int64_t *bw = b[0].buf, *sc = b[1].buf;
    for (Py_ssize_t k = 0; k < m; k++)
        if (bw[k] < 0 || bw[k] >= n || sc[k] < 0 || sc[k] >= n) {
            PyErr_SetString(PyExc_ValueError, "a pair's player is out of range");
            return 0;
        }
    const int32_t *mate = b[6].buf;
    for (Py_ssize_t i = 0; i < n; i++)
        if (mate[i] < -1 || mate[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "mate: out of range");
            return 0;
        }
    return 1;
}

static PyObject *py_paths(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t n;
    Py_buffer b[10];
    if (!PyArg_ParseTuple(args, "ny*y*y*y*y*y*y*y*w*w*", &n, &b[0], &b[1], &b[2], &b[3], &b[4],
                          &b[5], &b[6], &b[7], &b[8], &b[9]))
        return NULL;
    PyObject *out = NULL;
    if (valid_search(n, b)) {
        Search s = {
            .n = (int32_t)n,
            .m = (int64_t)(b[0].len / 8),
            .b = b[0].buf,
            .s = b[1].buf,
            .red = b[2].buf,
            .has = {b[4].buf, b[3].buf},
            .source = b[5].buf,
            .mate = b[6].buf,
            .mate_red = b[7].buf,
            .dist = b[8].buf,
            .prev = b[9].buf,
        };
        int result;
        Py_BEGIN_ALLOW_THREADS
        result = search_run(&s);
        Py_END_ALLOW_THREADS
        if (result < 0)
            out = PyErr_NoMemory();
        else
            out = Py_NewRef(Py_None);
    }
    for (int i = 0; i < 10; i++) PyBuffer_Release(&b[i]);
    return out;
}

static PyMethodDef methods[] = {
    {"solve", py_solve, METH_VARARGS,
     "solve(n, rows, cols, cost, col_of_row, u, v, max_scans) -> int: min-cost perfect "
     "assignment of a square sparse matrix (entries as rows, columns, costs) with optimal duals; "
     "the columns scanned, -1 when there is none, -2 when max_scans ran out "
     "(see evoladder/domain/matchmaking/_assignment.py)."},
    {"paths", py_paths, METH_VARARGS,
     "paths(n, b, s, reduced, has_bw, has_sc, sources, mate, mate_reduced, dist, prev) -> None: "
     "shortest augmenting paths over (player, side) states "
     "(see evoladder/domain/matchmaking/_augment.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernel",
    .m_doc = "Min-cost perfect assignment of a square sparse matrix, with optimal duals.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__kernel(void) { return PyModule_Create(&module); }
