/* tests/sim/exsim: Bybit v5 linear exchange simulator (test tool, not a
 * daemon). One process, one libev loop, one lws server context serving the
 * public/private WebSockets, the REST API and the /sim controls on one
 * port bound to 127.0.0.1. See dev-notes/HELPERS.md for the contract. */
#ifndef HEAN_TESTS_SIM_EXSIM_H
#define HEAN_TESTS_SIM_EXSIM_H

#include <ev.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/json.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/sign.h"
#include "common/timeutil.h"
#include "tests/sim/simlib.h"

#define EXSIM_MAX_SYMS 1024 /* Bybit lists 600+ linear instruments */
/* A set of symbol (or topic) indexes, one bit each. */
typedef struct {
	uint64_t w[EXSIM_MAX_SYMS / 64];
} exsim_mask;
static inline bool exsim_mask_has(const exsim_mask *m, int i)
{
	return (m->w[i >> 6] >> (i & 63)) & 1;
}
static inline void exsim_mask_set(exsim_mask *m, int i)
{
	m->w[i >> 6] |= (uint64_t)1 << (i & 63);
}
static inline void exsim_mask_clr(exsim_mask *m, int i)
{
	m->w[i >> 6] &= ~((uint64_t)1 << (i & 63));
}
static inline bool exsim_mask_any(const exsim_mask *m)
{
	for (int k = 0; k < EXSIM_MAX_SYMS / 64; k++) {
		if (m->w[k]) {
			return true;
		}
	}
	return false;
}
#define EXSIM_RING 2048		/* delta frames kept per symbol (few symbols) */
#define EXSIM_FRAME_MAX 560	/* bytes of one delta frame */
#define EXSIM_RX_MAX (64 * 1024) /* inbound WS message cap */
#define EXSIM_BODY_MAX (64 * 1024)
#define EXSIM_OUTQ_MAX 4096
#define EXSIM_MAX_ORDERS 100000

enum exsim_kind { EXSIM_HTTP = 0, EXSIM_PUB = 1, EXSIM_PRIV = 2 };

/* path filter for controls */
enum { EXSIM_PATH_PUB = 1, EXSIM_PATH_PRIV = 2, EXSIM_PATH_ALL = 3 };

struct exsim_inst {
	char symbol[24];
	char base[12];
	int pscale;	    /* decimals of prices */
	int64_t tick;	    /* tick size in 10^-pscale units */
	int qscale;	    /* decimals of quantities */
	int64_t qstep, qmin, qmax, qmaxmkt; /* 10^-qscale units */
	int64_t min_notional; /* USDT */
	int64_t init_price;   /* 10^-pscale units */
	int64_t max_price;    /* 10^-pscale units */
};

/* Merged ticker state as sent ("truth"). Prices in 10^-pscale units,
 * sizes/volume/oi in 10^-qscale units, turnover in 10^-4 USDT. */
struct exsim_ticker {
	int64_t last, prev24h, high, low, prev1h, mark, index, bid, ask;
	int64_t bid_sz, ask_sz, oi, volume, turnover;
	int64_t fair; /* internal walk centre, never sent */
	int tick_dir; /* 0 ZeroPlusTick 1 PlusTick 2 MinusTick 3 ZeroMinusTick */
	int64_t next_funding;
	int64_t cs, ts;
};

struct exsim_frame {
	uint64_t seq;
	size_t len;
	unsigned char buf[LWS_PRE + EXSIM_FRAME_MAX];
};

struct exsim_sym {
	int idx;
	struct exsim_inst in;
	struct exsim_ticker t;
	struct exsim_frame *ring; /* owned, app->ring_n entries */
	uint64_t head;		  /* seq of the next frame */
	int64_t stale_until_ms;	  /* 0 none, -1 until resume */
	double due;		  /* fractional ticks owed (timer mode) */
	struct exsim_ticker sent; /* as of the last frame pushed */
	int64_t last_push_ms;	  /* when that frame was made */
	bool dirty;		  /* steps not pushed yet (realistic pacing) */
	int status;		  /* EXSIM_ST_*: only Trading symbols step and subscribe */
	long delivered;		  /* ticker frames (snapshots included) written to clients */
	long skipped;		  /* ring frames a slow client skipped (resync snapshot) */
	long subs_n, unsubs_n;	  /* subscribe / unsubscribe requests naming it */
};

/* Instrument status as instruments-info reports it. */
enum { EXSIM_ST_TRADING = 0, EXSIM_ST_PRELAUNCH = 1, EXSIM_ST_CLOSED = 2 };

#define EXSIM_PACE_MS 100 /* Bybit: a ticker push per symbol at most every 100 ms */

struct exsim_msg {
	struct exsim_msg *next;
	size_t len;
	int binary;
	unsigned char buf[]; /* LWS_PRE + len */
};

struct exsim_app;
struct exsim_held;

/* Per-connection state (lws per_session_data, zeroed by lws). */
struct exsim_conn {
	struct exsim_conn *prev, *next; /* app->conns list (WS only) */
	struct exsim_app *app;
	struct lws *wsi;
	int kind;
	char conn_id[40];
	/* ws */
	exsim_mask subs; /* public: symbol bitmask */
	int rr;		 /* public: next symbol the write loop looks at */
	uint64_t clean_gen; /* app->gen when nothing was pending for this connection */
	uint64_t cursor[EXSIM_MAX_SYMS];
	exsim_mask psubs;	     /* private: topic bitmask */
	bool authed;
	struct exsim_msg *outq_head, *outq_tail;
	int outq_len;
	int close_code; /* >0: close with it at next WRITEABLE */
	bool closing;
	int64_t silent_until_ms; /* 0 no, -1 until resume */
	int64_t last_rx_ms;
	int64_t max_active_ms; /* private idle limit */
	struct sim_buf rx;     /* owned reassembly buffer */
	/* http */
	char method[8];
	char path[128];
	char *query;  /* owned: raw-equivalent query string */
	char *body;   /* owned */
	size_t body_len;
	bool body_overflow;
	char api_key[96], sign[96], ts_hdr[32], recv_hdr[32];
	int status;	    /* HTTP status of the prepared answer */
	char *resp;	    /* owned, LWS_PRE + resp_len */
	size_t resp_len;
	char limit_hdr[3][32]; /* X-Bapi-Limit, -Status, -Reset-Timestamp */
	bool has_limit_hdr;
	bool resp_ready, hold, drop_answer;
	ev_timer delay; /* latency hold */
	bool delay_active;
};

struct exsim_rest_fault {
	char kind[16]; /* "10006" "5xx" "timeout" "lost" */
	int count;
	char path[96]; /* "" = any /v5 path */
};

struct exsim_bucket {
	int64_t window_start;
	int count;
};

struct exsim_pos {
	int side;	/* 0 flat, 1 Buy, -1 Sell */
	int64_t size;	/* 10^-qscale */
	double avg;	/* price */
	int64_t sl, tp; /* 10^-pscale units, 0 none */
	int64_t ts_dist, ts_active; /* trailing distance / activation price */
	bool ts_armed;
	int64_t ts_extreme; /* best last since arming */
	double realised;
	int64_t created_ms, updated_ms;
	uint64_t seq;
	int sl_by, tp_by; /* EXSIM_BY_*: the price the SL / TP triggers on */
	/* the position's Untriggered conditional orders, as Bybit lists them
	 * in order/realtime: [0] StopLoss, [1] TakeProfit, [2] TrailingStop */
	struct exsim_order *cond[3];
};

enum { EXSIM_BY_LAST = 0, EXSIM_BY_MARK = 1, EXSIM_BY_INDEX = 2 };

struct exsim_order {
	char order_id[40];
	char link_id[40];
	int sym;
	int side; /* 1 Buy -1 Sell */
	bool market, reduce_only;
	int64_t qty, price; /* price 10^-pscale (limit or protective) */
	int64_t sl;	    /* stopLoss from create, 0 none */
	int sl_by;	    /* slTriggerBy from create (EXSIM_BY_*) */
	int64_t trigger;    /* conditional orders: trigger price, 0 none */
	const char *trigger_by, *cancel_type; /* static strings */
	const char *status; /* static string */
	const char *stop_type;
	const char *create_type;
	double avg;
	int64_t cum_qty;
	int64_t created_ms, updated_ms;
	ev_timer fill; /* fill delay */
	bool fill_pending;
	int parts_left; /* fills still to come (partial fills); 0: one fill */
	struct exsim_app *app;
};

struct exsim_stats {
	long public_conns, private_conns, ws_connects, pings, subscribes, frames_sent, rest_calls;
	long unsubscribes, sub_errors; /* public unsubscribe requests; error replies */
};

/* Protection record and faults (exsim_protect.c). */
struct exsim_stopline {
	bool known;
	int side;
	int64_t size, sl, ts; /* last journalled state */
};
struct exsim_protect {
	int64_t link_memory_ms; /* 0: orderLinkIds are unique forever */
	int tpsl_ignore;	/* trading-stop calls to answer OK but not apply */
	struct exsim_stopline last[EXSIM_MAX_SYMS];
};

struct exsim_app {
	struct ev_loop *loop;
	struct lws_context *ctx;
	int port;
	uint64_t seed, rng;
	double rate;
	bool fast;	/* --fast: every step a frame, rate unbounded (benchmarks) */
	int ring_n;	/* frames kept per symbol */
	int ndirty;	/* symbols with steps not pushed yet */
	int fill_delay_ms; /* -1 = random 0..50 */
	int fill_parts;	   /* fills (execution pushes) per order, >= 1 */
	int fill_part_ms;  /* between two partial fills */
	char api_key[96], api_secret[128];
	FILE *journal_fp;
	json_t *journal; /* owned array */

	struct exsim_sym syms[EXSIM_MAX_SYMS];
	int nsyms;
	int rr; /* rate-0 round robin */
	bool paused;	     /* /sim/pause: no market steps (benchmarks read a still market) */
	bool list_all_status; /* --instruments-all-statuses: default listing not Trading-only */
	double last_tick;    /* ev_now of the previous tick timer run */
	uint64_t gen;	     /* frames appended to any ring so far */

	struct exsim_conn *conns; /* WS connections */

	/* faults */
	int64_t refuse_until_ms; /* 0 none, -1 until resume */
	bool close_on_connect;
	int idle_close_s;
	int latency_ms;
	int64_t clock_offset_ms;
	struct exsim_rest_fault faults[8];
	struct exsim_bucket buckets[8];
	/* the exchange at its worst (exsim_worst.c) */
	struct exsim_worst {
		int64_t ban_until_ms;	  /* REST IP ban: every /v5 call 403 until then */
		int ban_secs;		  /* length of a ban (600 as Bybit) */
		int ip_limit;		  /* /v5 calls per 5 s that start a ban; 0 off */
		int64_t ip_window_start;  /* start of the current 5 s window */
		int ip_count;		  /* /v5 calls in it */
		long bans, banned_calls;  /* bans started; calls refused during bans */
		int refuse_status;	  /* WS handshake refusal status (503/403/429) */
		int pingless_mask;	  /* EXSIM_PATH_* whose JSON pings go unanswered */
		int64_t pingless_until_ms; /* -1 until resume */
		long pings_ignored;
		/* private push faults */
		int push_delay_ms;	  /* each push late by 0..N ms (per-topic FIFO) */
		int push_dup_pct;	  /* % of pushes sent twice (same envelope id) */
		bool order_after_position; /* order pushes held until a position push */
		struct exsim_held *held, *held_tail; /* pushes not sent yet */
		uint64_t held_seq, pos_sent_seq;
		int64_t topic_due[4];	  /* last due time per topic (FIFO per topic) */
		ev_timer push_timer;
		bool push_timer_init;
		long pushes_delayed, pushes_duplicated, orders_held;
		bool shuffle_keys; /* random key order in REST and WS JSON */
		/* position/list: rows per page (0: all on one page; cursors hold
		 * '=' and '&', so only a client that encodes them reads page 2),
		 * and an account in hedge mode (positionIdx 1 Buy / 2 Sell) */
		int pos_page;
		bool hedge;
		long pos_pages, pos_next_pages, pos_bad_cursors; /* next: asked with a cursor */
	} w;

	/* trading */
	struct exsim_order **orders; /* owned array of owned orders */
	int norders;
	int open_limits; /* resting Limit orders */
	struct exsim_pos pos[EXSIM_MAX_SYMS];
	double wallet; /* USDT balance */
	uint64_t seq;

	struct exsim_stats st;
	ev_timer tick_timer, house_timer;
	struct sim_kick kick;
	struct hean_loop hl; /* signals, SIGPIPE */
	bool stopping;
	struct exsim_protect prot; /* exsim_protect.c */
};

/* ===== exsim_main.c ===== */
/* Exchange clock (wall clock + clock_offset_ms) in ms. */
int64_t exsim_now_ms(const struct exsim_app *app);
/* Seeded xorshift64*. */
uint64_t exsim_rand(struct exsim_app *app);
/* Uniform in [0, n). */
uint32_t exsim_rand_n(struct exsim_app *app, uint32_t n);
/* Restarts the market tick timer for the current rate. */
void exsim_rate_apply(struct exsim_app *app);
/* Sets the ticker rate per symbol from decimal text (0..1e6 Hz, 0 = as
 * fast as the clients drain) and applies it. 0 or -EINVAL. */
int exsim_rate_set(struct exsim_app *app, const char *hz);
/* Formats a fixed-point integer v with scale decimals into p (no NUL);
 * returns the end pointer. */
char *exsim_fmt_fixed(char *p, int64_t v, int scale);
/* Same, NUL-terminated into a buffer of at least 32 bytes. */
const char *exsim_fixed_str(char *buf, int64_t v, int scale);
/* Parses a decimal string into 10^-scale units exactly; -EINVAL if it has
 * more decimals than scale (non-zero), isn't a plain positive/zero
 * decimal, or overflows. */
int exsim_parse_fixed(const char *s, int scale, int64_t *out);

/* ===== exsim_market.c ===== */
/* symbols (comma list), then n_synth synthetic Trading perpetuals
 * S0001USDT.. and n_pre PreLaunch ones P0001USDT... */
int exsim_market_init(struct exsim_app *app, const char *symbols, int n_synth, int n_pre);
/* Lists symbol at runtime (status Trading; a known one is relisted).
 * Index, or -EINVAL (bad name), -ENOSPC (universe full), -ENOMEM. */
int exsim_market_list(struct exsim_app *app, const char *symbol);
/* "Trading", "PreLaunch", "Closed". */
const char *exsim_status_name(int status);
/* EXSIM_ST_* of a name, -1 when none (Settling, Delivering: no instrument has them). */
int exsim_status_of(const char *name);
void exsim_market_finish(struct exsim_app *app);
/* Index of symbol or -1. */
int exsim_market_find(const struct exsim_app *app, const char *symbol);
/* One random step for symbol i: updates truth, appends a delta frame to
 * its ring, runs order/stop checks. Returns false if the symbol is stale. */
bool exsim_market_step(struct exsim_app *app, int i);
/* Pushes symbol i's pending steps as one delta (see exsim_market.c). */
void exsim_market_emit(struct exsim_app *app, int i, bool force);
/* Moves the market to price p (10^-pscale units) at once and emits a delta. */
void exsim_market_set_price(struct exsim_app *app, int i, int64_t p);
/* Same with distinct mark and index prices (0: equal to p). */
void exsim_market_set_prices(struct exsim_app *app, int i, int64_t p, int64_t mark,
			     int64_t index);
/* Full snapshot frame for symbol i. Caller frees. */
char *exsim_market_snapshot(const struct exsim_app *app, int i, size_t *len);
/* Truth as JSON object (all fields as strings) / REST ticker row. */
json_t *exsim_market_truth(const struct exsim_app *app, int i);
json_t *exsim_market_rest_ticker(const struct exsim_app *app, int i);
json_t *exsim_market_instrument(const struct exsim_app *app, int i);
bool exsim_market_is_stale(const struct exsim_app *app, int i, int64_t now);

/* ===== exsim_ws.c (connections, write loop, faults) ===== */
int exsim_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len);
/* Queues a text frame (copied) on a WS connection. */
void exsim_conn_send(struct exsim_conn *c, const char *s, size_t len);
/* Queues a json object (dumped compactly) on a WS connection. */
void exsim_conn_send_json(struct exsim_conn *c, json_t *o);
/* Queues symbol i's full snapshot on c and moves its cursor to the head. */
void exsim_ws_queue_snapshot(struct exsim_conn *c, int i);
/* Notifies public subscribers of symbol i that new frames exist. */
void exsim_ws_notify_symbol(struct exsim_app *app, int i);
/* Fault actions on WS connections matching pathmask; return count. */
int exsim_ws_close_all(struct exsim_app *app, int pathmask, int code);
int exsim_ws_drop_all(struct exsim_app *app, int pathmask);
/* Drops the one WS connection whose conn_id is id (or, id NULL, the first
 * public one subscribed to symbol sym); 1 when dropped, 0 none. */
int exsim_ws_drop_one(struct exsim_app *app, const char *id, int sym);
/* [{"id","path","symbols":N,"args_chars":C,"topics":[...]}] of the open WS
 * connections; args_chars: length of the JSON array text of the topics it
 * is subscribed to now (Bybit: under 21,000 per connection; the simulator
 * reports it and never enforces it, so a test can check the client). */
json_t *exsim_ws_conns(struct exsim_app *app);
int exsim_ws_silent_all(struct exsim_app *app, int pathmask, int64_t until_ms);
void exsim_ws_resume_all(struct exsim_app *app);
int exsim_ws_inject(struct exsim_app *app, const char *kind);
/* Periodic: silent expiry, idle close, private max_active_time. */
void exsim_ws_housekeeping(struct exsim_app *app, int64_t now);
void exsim_conn_id(struct exsim_app *app, char out[40]);

/* ===== exsim_wsops.c ===== */
/* Handles one complete private frame. */
void exsim_priv_rx(struct exsim_conn *c, const char *in, size_t len);
/* Handles one complete public frame. */
void exsim_pub_rx(struct exsim_conn *c, const char *in, size_t len);
/* Pushes data (array, stolen) on topic ("order", "execution", "position",
 * "wallet") to every authenticated subscriber. */
void exsim_priv_push(struct exsim_app *app, const char *topic, json_t *data);
/* Sends now (no push fault), with envelope id msg_id (NULL: a new one);
 * steals data. */
void exsim_priv_send(struct exsim_app *app, const char *topic, json_t *data, const char *msg_id);

/* ===== exsim_http.c ===== */
/* HTTP request lifecycle callbacks (called from exsim_lws_callback). */
int exsim_http_callback(struct exsim_conn *c, struct lws *wsi, enum lws_callback_reasons reason,
			void *in, size_t len);
/* Stores the answer (takes a copy of body) with status. */
void exsim_http_answer(struct exsim_conn *c, int status, const char *body, size_t len);
/* Envelope {"retCode","retMsg","result","retExtInfo":{},"time"}; steals result. */
void exsim_http_envelope(struct exsim_conn *c, int code, const char *msg, json_t *result);
/* Query parameter lookup in c->query (decoded value copy). */
bool exsim_query_get(const struct exsim_conn *c, const char *name, char *out, size_t outlen);
/* Integer query parameter in [lo, hi]; dflt when absent or not one. */
int64_t exsim_query_int(const struct exsim_conn *c, const char *name, int64_t lo, int64_t hi,
			int64_t dflt);

/* ===== exsim_rest.c ===== */
/* Routes a complete /v5 request. */
void exsim_rest_handle(struct exsim_conn *c);
/* category=linear in the query, else answers 10001 and returns false. */
bool exsim_rest_category_ok(struct exsim_conn *c);
/* Optional symbol= in the query: 1 and *i when known, 0 when absent,
 * -1 when unknown (10001 "Not supported symbols" answered). */
int exsim_rest_query_symbol(struct exsim_conn *c, int *i);
/* Answers {"category":"linear","list":list,"nextPageCursor":next}; steals list. */
void exsim_rest_list(struct exsim_conn *c, json_t *list, const char *next);

/* ===== exsim_orders.c (engine) ===== */
/* New order (status New) appended to app->orders; NULL when full. */
struct exsim_order *exsim_order_new(struct exsim_app *app, int sym, int side, int64_t qty);
json_t *exsim_order_json(struct exsim_app *app, const struct exsim_order *o);
/* Pushes order+position for an accepted order and arms its fill timer. */
void exsim_order_accepted(struct exsim_app *app, struct exsim_order *o);
/* Pushes the position of symbol i. */
void exsim_orders_position_changed(struct exsim_app *app, int i);

/* ===== exsim_trade.c (REST handlers) ===== */
void exsim_orders_create(struct exsim_conn *c, json_t *body);
void exsim_orders_realtime(struct exsim_conn *c);
void exsim_orders_position_list(struct exsim_conn *c);
void exsim_orders_trading_stop(struct exsim_conn *c, json_t *body);
/* Called after every last-price change of symbol i. */
void exsim_orders_on_price(struct exsim_app *app, int i);
/* Conditional orders of every symbol brought in line with its stops,
 * without pushes (housekeeping backstop). */
void exsim_orders_cond_scan(struct exsim_app *app);
/* Opens a position directly (no stops). */
void exsim_orders_set_position(struct exsim_app *app, int i, int side, int64_t qty);
json_t *exsim_orders_state(struct exsim_app *app);
/* The UNIFIED account row (REST wallet-balance and WS wallet push). */
json_t *exsim_orders_wallet_json(const struct exsim_app *app);
void exsim_orders_finish(struct exsim_app *app);
/* Position JSON row (REST shape when rest, WS shape otherwise). */
json_t *exsim_orders_position_json(struct exsim_app *app, int i, bool rest);

/* ===== exsim_journal.c ===== */
/* Appends entry (stolen) with t_ms and kind to the journal. */
void exsim_journal_add(struct exsim_app *app, const char *kind, json_t *entry);
void exsim_journal_finish(struct exsim_app *app);
/* Journals an answer to a REST call: extra (stolen, may be NULL) plus
 * retCode, retMsg and every field of the request body it lacks. */
void exsim_journal_reply(struct exsim_app *app, const char *kind, json_t *body, int code,
			 const char *msg, json_t *extra);

/* ===== exsim_worst.c (Bybit at its worst: bans, pacing, push faults) ===== */
/* A /v5 call arrived: counts it for the IP limit; true (and the 403
 * answer set) when the IP is banned. */
bool exsim_worst_banned(struct exsim_conn *c);
/* JSON ping on a connection of kind: false when the ping-only fault says
 * not to answer it. */
bool exsim_worst_answer_ping(struct exsim_app *app, int kind);
/* /sim/ban, /sim/pingless and the other controls of this file; false
 * when name is none of them. */
bool exsim_worst_ctl(struct exsim_conn *c, const char *name);
/* Applies the ping-only fault to every WS connection's protocol pings
 * (housekeeping). */
void exsim_worst_pingless_sync(struct exsim_app *app);
/* Stats fields of this file added to o. */
void exsim_worst_stats(struct exsim_app *app, json_t *o);
/* Private push faults (delay, duplicates, order after position): takes
 * data (stolen) and returns true when a fault is on; false: send now. */
bool exsim_worst_push(struct exsim_app *app, const char *topic, json_t *data);
/* Compact JSON text of o, its keys in a seeded random order at every
 * level when --shuffle-keys (Bybit: key order varies). Caller frees. */
char *exsim_worst_dumps(struct exsim_app *app, json_t *o);
/* Stops the push-fault timer and frees what it still holds. */
void exsim_worst_finish(struct exsim_app *app);

/* ===== exsim_tap.c ===== */
/* The query of the newest "METHOD PATH" request line read from fd, exactly
 * as the client sent it (no '?'); NULL when the bytes are not at hand
 * (TLS). Caller frees. */
char *exsim_tap_query(int fd, const char *method, const char *path);
/* A new connection on fd: drop what an earlier one left. */
void exsim_tap_forget(int fd);
/* fd is a WebSocket from now on: track its inbound frames. */
void exsim_tap_ws(int fd);
/* Drop (or pass again) the RFC 6455 ping frames fd receives. */
void exsim_tap_strip_pings(int fd, bool strip);
/* Ping frames dropped so far. */
long exsim_tap_pings_dropped(void);

/* ===== exsim_ctl.c ===== */
/* Handles /sim/... requests. */
void exsim_ctl_handle(struct exsim_conn *c);

/* ===== exsim_protect.c ===== */
/* The orderLinkId of o no longer counts for uniqueness (link memory). */
bool exsim_link_forgotten(const struct exsim_app *app, const struct exsim_order *o);
/* Journals ("stops") symbol i's position and stops if they changed. */
void exsim_stops_note(struct exsim_app *app, int i, const char *why);
/* exsim_stops_note for every symbol (housekeeping backstop). */
void exsim_stops_scan(struct exsim_app *app);
/* trading-stop fault: answers OK without applying; true when it did. */
bool exsim_tpsl_ignored(struct exsim_conn *c, json_t *body, int i);
/* /sim/link_memory, /sim/tpsl_ignore, /sim/stop_drop, /sim/stops; false
 * when name is none of them. */
bool exsim_protect_ctl(struct exsim_conn *c, const char *name);

#endif
