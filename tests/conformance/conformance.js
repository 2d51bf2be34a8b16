'use strict';
// Conformance: two widely used Bybit v5 clients, unmodified (only their
// documented URL and credential options set), trade against hean-exsim.
// If the simulator answers something a real client cannot parse, or
// leaves out an endpoint it calls before trading, a step below fails.
//
// Environment: EXSIM_URL (http://127.0.0.1:PORT), EXSIM_KEY, EXSIM_SECRET.
// Exit 0 when every check held, 1 otherwise. Node 18+ (CommonJS).

const REST = process.env.EXSIM_URL;
const KEY = process.env.EXSIM_KEY;
const SECRET = process.env.EXSIM_SECRET;
const WS = REST.replace(/^http/, 'ws');
const WS_PUB = WS + '/v5/public/linear';
const WS_PRIV = WS + '/v5/private';
const STEP_MS = 10000; // a step that takes longer has failed

let fails = 0;
let checks = 0;
const log = (...a) => console.log(new Date().toISOString(), ...a);

function check(desc, ok, got) {
  checks++;
  if (ok) {
    log('ok:', desc);
  } else {
    fails++;
    log('FAIL:', desc, got === undefined ? '' : 'got ' + JSON.stringify(got).slice(0, 400));
  }
}

function within(ms, promise, what) {
  let t;
  const timeout = new Promise((_, rej) => {
    t = setTimeout(() => rej(new Error(what + ': no answer within ' + ms + ' ms')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

// step DESC FN: runs FN under the step deadline; an exception is a failure.
async function step(desc, fn) {
  try {
    return await within(STEP_MS, fn(), desc);
  } catch (e) {
    checks++;
    fails++;
    log('FAIL:', desc, 'threw', (e && e.constructor && e.constructor.name) || '', String(e && e.message || e).slice(0, 600));
    return undefined;
  }
}

// What the exchange itself holds and did (the simulator's state and journal).
async function exchangeState() {
  const r = await fetch(REST + '/sim/state');
  return r.json();
}
async function exchangeStats() {
  const r = await fetch(REST + '/sim/stats');
  return r.json();
}
async function exchangeJournal(kind) {
  const r = await fetch(REST + '/sim/journal');
  const j = await r.json();
  return (Array.isArray(j) ? j : j.journal || j.entries || []).filter((e) => e.kind === kind);
}

function waitFor(desc, pred, ms) {
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    const poll = async () => {
      let v;
      try {
        v = await pred();
      } catch (e) {
        v = undefined;
      }
      if (v) return resolve(v);
      if (Date.now() > end) return resolve(undefined);
      setTimeout(poll, 50);
    };
    poll();
  });
}

async function runCcxt() {
  const ccxt = require('ccxt');
  log('ccxt', ccxt.version);
  const httpAgent = new (require('http').Agent)({ keepAlive: true });
  const ex = new ccxt.pro.bybit({
    apiKey: KEY,
    secret: SECRET,
    enableRateLimit: false,
    // plain http and ws to the local simulator (ccxt's default agent is
    // https-only; ws:// needs httpAgent)
    agent: httpAgent,
    httpAgent,
    urls: {
      api: {
        spot: REST, futures: REST, v2: REST, public: REST, private: REST,
        ws: {
          public: { linear: WS_PUB, spot: WS_PUB, inverse: WS_PUB, option: WS_PUB },
          private: { contract: WS_PRIV, spot: { unified: WS_PRIV, nonUnified: WS_PRIV } },
        },
      },
    },
    // the simulated exchange lists linear perpetuals only (what hean trades)
    options: { fetchMarkets: { types: ['linear'] }, defaultType: 'swap' },
  });
  const sym = 'BTC/USDT:USDT';
  try {
    const markets = await step('ccxt loadMarkets', () => ex.loadMarkets());
    if (markets) {
      const m = markets[sym];
      check('ccxt loadMarkets: BTC/USDT:USDT is a linear swap with the exchange precision',
        m && m.swap && m.linear && m.id === 'BTCUSDT' && m.precision.amount === 0.001 &&
          m.precision.price === 0.1 && m.limits.amount.min === 0.001, m);
      check('ccxt loadMarkets: currencies from coin/query-info', ex.currencies && ex.currencies.USDT &&
        ex.currencies.BTC, Object.keys(ex.currencies || {}));
    }
    const t = await step('ccxt fetchTicker', () => ex.fetchTicker(sym));
    if (t) {
      check('ccxt fetchTicker: last, bid <= ask, mark', t.symbol === sym && t.last > 0 &&
        t.bid > 0 && t.ask >= t.bid && t.markPrice > 0, t);
    }

    // watchOrders first, so the fill of the order below arrives on it
    const link = 'cc' + Date.now();
    const subs0 = (await exchangeStats()).subscribes;
    const seen = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const os = await ex.watchOrders(sym);
        for (const o of os) seen.push(o);
      }
    })().catch((e) => { if (watching) seen.push({ error: String(e) }); });
    // ccxt resolves nothing before the first push: wait until the exchange
    // has counted the private subscription
    check('ccxt watchOrders: authenticated and subscribed at the exchange',
      await waitFor('subscribe', async () => (await exchangeStats()).subscribes > subs0, STEP_MS), seen);

    const o = await step('ccxt createOrder', () =>
      ex.createOrder(sym, 'market', 'buy', 0.01, undefined, { clientOrderId: link, stopLoss: { triggerPrice: 1000 } }));
    if (o) {
      check('ccxt createOrder: id and clientOrderId echoed', o.id && o.clientOrderId === link, o);
    }
    check('ccxt createOrder: unified account read from user/query-api and account/info',
      ex.options.enableUnifiedAccount === true && ex.options.unifiedMarginStatus === 5, ex.options);
    const filled = await waitFor('fill', () => seen.find((x) => x.clientOrderId === link && x.status === 'closed'), STEP_MS);
    check('ccxt watchOrders: the order arrives closed with its fill', filled && filled.filled === 0.01 &&
      filled.average > 0 && filled.side === 'buy', filled || seen);
    watching = false;

    const atEx = (await exchangeJournal('order')).filter((x) => x.orderLinkId === link);
    check('exchange accepted exactly one order with the ccxt link id: Buy 0.010 BTCUSDT with stopLoss 1000',
      atEx.length === 1 && atEx[0].symbol === 'BTCUSDT' && atEx[0].side === 'Buy' &&
      atEx[0].qty === '0.010' && Number(atEx[0].stopLoss) === 1000, atEx);

    const ps = await step('ccxt fetchPositions', () => ex.fetchPositions([sym]));
    if (ps) {
      const p = ps.find((x) => x.symbol === sym && x.contracts > 0);
      check('ccxt fetchPositions: long 0.01 with the stop loss', p && p.side === 'long' &&
        p.contracts === 0.01 && p.stopLossPrice === 1000 && p.entryPrice > 0, ps);
    }
  } finally {
    await ex.close().catch(() => {});
  }
}

async function runBybitApi() {
  const { RestClientV5, WebsocketClient } = require('bybit-api');
  log('bybit-api', require('bybit-api/package.json').version);
  const rest = new RestClientV5({ key: KEY, secret: SECRET, baseUrl: REST, parseAPIRateLimits: true });
  const ok = (r) => r && r.retCode === 0;

  const tm = await step('bybit-api getServerTime', () => rest.getServerTime());
  check('bybit-api getServerTime', ok(tm) && Math.abs(Number(tm.result.timeSecond) * 1000 - Date.now()) < 5000, tm);
  const ins = await step('bybit-api getInstrumentsInfo', () => rest.getInstrumentsInfo({ category: 'linear', symbol: 'ETHUSDT' }));
  check('bybit-api getInstrumentsInfo', ok(ins) && ins.result.list[0].lotSizeFilter.qtyStep, ins);
  const tk = await step('bybit-api getTickers', () => rest.getTickers({ category: 'linear', symbol: 'ETHUSDT' }));
  check('bybit-api getTickers', ok(tk) && Number(tk.result.list[0].lastPrice) > 0, tk);
  const wb = await step('bybit-api getWalletBalance', () => rest.getWalletBalance({ accountType: 'UNIFIED' }));
  check('bybit-api getWalletBalance', ok(wb) && wb.result.list[0].coin[0].coin === 'USDT', wb);
  const fr = await step('bybit-api getFeeRate', () => rest.getFeeRate({ category: 'linear', symbol: 'ETHUSDT' }));
  check('bybit-api getFeeRate', ok(fr) && fr.result.list[0].takerFeeRate, fr);

  // public WebSocket: a snapshot, then deltas merged by the caller
  const quiet = { trace: () => {}, info: () => {}, error: (...a) => log('bybit-api error:', ...a) };
  const pub = new WebsocketClient({ market: 'v5', wsUrl: WS_PUB }, quiet);
  const priv = new WebsocketClient({ market: 'v5', key: KEY, secret: SECRET, wsUrl: WS_PRIV }, quiet);
  const got = { snapshot: 0, delta: 0, order: [], execution: [], position: [], auth: false, errors: [] };
  pub.on('update', (m) => {
    if (m.topic === 'tickers.ETHUSDT') got[m.type] = (got[m.type] || 0) + 1;
  });
  priv.on('update', (m) => {
    if (got[m.topic]) got[m.topic].push(...m.data);
  });
  priv.on('authenticated', () => { got.auth = true; });
  for (const c of [pub, priv]) {
    c.on('exception', (e) => got.errors.push(e));
    c.on('error', (e) => got.errors.push(String(e)));
  }
  try {
    await step('bybit-api WebsocketClient public subscribe', () => pub.subscribeV5('tickers.ETHUSDT', 'linear'));
    await step('bybit-api WebsocketClient private subscribe', () => priv.subscribeV5(['order', 'execution', 'position'], 'linear', true));
    check('bybit-api WebsocketClient: authenticated on the private socket',
      await waitFor('auth', () => got.auth, STEP_MS), got.errors);
    check('bybit-api WebsocketClient: ticker snapshot then deltas',
      await waitFor('ticks', () => got.snapshot >= 1 && got.delta >= 2, STEP_MS), got);

    const link = 'ba' + Date.now();
    const sub = await step('bybit-api submitOrder', () => rest.submitOrder({
      category: 'linear', symbol: 'ETHUSDT', side: 'Sell', orderType: 'Market', qty: '0.10',
      orderLinkId: link, positionIdx: 0,
    }));
    check('bybit-api submitOrder accepted', ok(sub) && sub.result.orderLinkId === link, sub);
    const ord = await waitFor('order push', () => got.order.find((x) => x.orderLinkId === link && x.orderStatus === 'Filled'), STEP_MS);
    check('bybit-api WebsocketClient: order pushed Filled', ord, got.order);
    const ex = await waitFor('execution push', () => got.execution.find((x) => x.orderLinkId === link || (ord && x.orderId === ord.orderId)), STEP_MS);
    check('bybit-api WebsocketClient: execution pushed', ex && ex.execQty === '0.10', got.execution);
    const pos = await waitFor('position push', () => got.position.find((x) => x.symbol === 'ETHUSDT' && x.side === 'Sell'), STEP_MS);
    check('bybit-api WebsocketClient: position pushed short', pos && pos.size === '0.10', got.position);

    const ao = await step('bybit-api getActiveOrders', () => rest.getActiveOrders({ category: 'linear', symbol: 'ETHUSDT', orderLinkId: link }));
    check('bybit-api getActiveOrders by orderLinkId', ok(ao) && ao.result.list[0].orderStatus === 'Filled', ao);
    const pl = await step('bybit-api getPositionInfo', () => rest.getPositionInfo({ category: 'linear', symbol: 'ETHUSDT' }));
    check('bybit-api getPositionInfo', ok(pl) && pl.result.list[0].side === 'Sell' && pl.result.list[0].size === '0.10', pl);
    const sl = String(Math.ceil(Number(pl.result.list[0].avgPrice) * 1.5));
    const ts = await step('bybit-api setTradingStop', () => rest.setTradingStop({
      category: 'linear', symbol: 'ETHUSDT', tpslMode: 'Full', positionIdx: 0, stopLoss: sl,
    }));
    check('bybit-api setTradingStop', ok(ts), ts);
    const st = await exchangeState();
    const p = (st.positions || []).find((x) => x.symbol === 'ETHUSDT');
    check('exchange holds the short with the bybit-api stop', p && p.size === '0.10' && Number(p.stopLoss) === Number(sl), st.positions);
  } finally {
    pub.closeAll(true);
    priv.closeAll(true);
  }
}

(async () => {
  const t0 = Date.now();
  for (const [name, fn] of [['ccxt', runCcxt], ['bybit-api', runBybitApi]]) {
    try {
      await fn();
    } catch (e) {
      check(name + ' ran to the end', false, String(e && e.stack || e));
    }
  }
  log(`${checks - fails}/${checks} checks held in ${Date.now() - t0} ms`);
  process.exit(fails === 0 && checks > 0 ? 0 : 1);
})();
