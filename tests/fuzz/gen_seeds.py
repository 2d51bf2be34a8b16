#!/usr/bin/env python3
"""tests/fuzz/gen_seeds.py: writes the hand-made seed inputs (seed-*) of
every corpus/<target>/ directory. Real frames (real-*) were captured from
hean-exsim / hean-sigsim and the fixture; fuzzer finds are fz-*. Re-run
after editing; it only (re)writes seed-* files."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures', 'feed_frames.jsonl')


def put(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


def ticker():
    def fr(typ, sym, data, ts=1760325052630, cs=1, topic=None):
        d = {'symbol': sym}
        d.update(data)
        return json.dumps({'topic': topic or 'tickers.' + sym, 'type': typ, 'data': d,
                           'cs': cs, 'ts': ts}, separators=(',', ':'))
    snap = fr('snapshot', 'BTCUSDT', {'lastPrice': '66666.60', 'bid1Price': '66666.50',
                                      'ask1Price': '66666.70', 'markPrice': '66666.60'})
    put('ticker', 'fixture', open(FIX).read())
    put('ticker', 'merge', '\n'.join([
        fr('delta', 'BTCUSDT', {'lastPrice': '1'}),            # before snapshot
        snap,
        fr('delta', 'BTCUSDT', {'bid1Price': ''}, ts=1760325052629),  # older ts, "" = no value
        fr('delta', 'BTCUSDT', {}),                               # no price at all
        fr('snapshot', 'ETHUSDT', {'lastPrice': '3500.03'}),   # missing fields -> empty
        '#reconnect',
        fr('delta', 'ETHUSDT', {'lastPrice': '3500.04'}),
        fr('snapshot', 'DOGEUSDT', {'lastPrice': '0.1'}),      # not in the book
        fr('snapshot', 'AB', {'lastPrice': '1e-8'}),
        fr('snapshot', 'ABCDEFGHIJ0123456789', {'markPrice': '0000000000000000000000000000001'}),
    ]) + '\n')
    cases = {
        'nan': fr('delta', 'BTCUSDT', {'lastPrice': 'NaN'}),
        'inf': fr('delta', 'BTCUSDT', {'markPrice': '-Infinity'}),
        'negative': fr('delta', 'BTCUSDT', {'lastPrice': '-66666.60'}),
        'neg-zero': fr('delta', 'BTCUSDT', {'lastPrice': '-0.0'}),
        'zero': fr('delta', 'BTCUSDT', {'bid1Price': '0.000'}),
        'exp-overflow': fr('delta', 'BTCUSDT', {'lastPrice': '1e999'}),
        'exp-under': fr('delta', 'BTCUSDT', {'lastPrice': '1e-999'}),
        'long-price': fr('delta', 'BTCUSDT', {'lastPrice': '1' * 31}),
        'too-long-price': fr('delta', 'BTCUSDT', {'lastPrice': '1' * 32}),
        'num-price': '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","lastPrice":66666.6},"cs":1,"ts":2}',
        'huge-ts': '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT"},"cs":1,"ts":99999999999999999999}',
        'int64-ts': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT"},"cs":9223372036854775807,"ts":999999999999999999}',
        'real-ts': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT"},"ts":1.5}',
        'neg-cs': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT"},"cs":-1,"ts":1}',
        'escaped': '{"topic":"tickers.\\u0042TCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","lastPrice":"1\\u002e5"},"ts":1}',
        'escaped-quote': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","x":"a\\"b\\\\","lastPrice":"2"},"ts":1}',
        'dup-key': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","lastPrice":"1","lastPrice":"2"},"ts":1}',
        'dup-data': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"ETHUSDT"},"data":{"symbol":"BTCUSDT"},"ts":1}',
        'sym-mismatch': fr('snapshot', 'ETHUSDT', {}, topic='tickers.BTCUSDT'),
        'bad-topic': fr('snapshot', 'btcusdt', {}, topic='tickers.btcusdt'),
        'other-topic': '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","data":{"s":"BTCUSDT"},"ts":1}',
        'truncated': snap[:-7],
        'malformed-exsim': '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","lastPrice":"1',
        'trailing': snap + ' x',
        'ws-around': ' \r\n\t' + snap + '\n\t ',
        'deep': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","x":' + '[' * 40 + ']' * 40 + '},"ts":1}',
        'deeper': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","x":' + '{"a":' * 3000 + '1' + '}' * 3000 + '},"ts":1}',
        'utf8': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","n":"\u00e9\u20ac"},"ts":1}',
        'nul': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","n":"a\\u0000b"},"ts":1}',
        'reply-sub': '{"success":true,"ret_msg":"","conn_id":"x","req_id":"sub-1","op":"subscribe"}',
        'reply-pong': '{"op":"pong","args":["1760325052630"],"conn_id":"x"}',
        'not-object': '["topic","tickers.BTCUSDT"]',
        'empty-object': '{}',
        'literals': '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","a":true,"b":false,"c":null,"d":-0,"e":0.5,"f":[1,{"g":[]}]},"ts":1}',
        'null-price': fr('delta', 'BTCUSDT', {'lastPrice': None}),
    }
    for k, v in cases.items():
        put('ticker', k, v)


def signal():
    def sig(**kw):
        s = {'id': 1234567, 'symbol': 'BTCUSDT', 'exchange': 'bybit',
             'wave_ts': '2025-10-22T00:00:00+00:00', 'side': 'buy',
             'score_week': 71.5, 'score_month': 64.0, 'created_at': '2025-10-22T00:03:12+00:00'}
        s.update(kw)
        return s

    def frame(sigs, indent=None, seps=(',', ':')):
        return json.dumps({'type': 'signals', 'data': sigs}, indent=indent, separators=seps)
    # json.dumps writes NaN / Infinity / -Infinity bare, as the production server does
    put('signal', 'doc-example', frame([sig()], indent=2, seps=(', ', ': ')))
    put('signal', 'python-nan', frame([sig(id=1, score_week=float('nan')), sig(id=2),
                                       sig(id=3, score_month=float('inf')),
                                       sig(id=4, score_week=float('-inf'))], seps=(', ', ': ')))
    put('signal', 'compact-nan', frame([sig(id=1, score_week=float('nan')), sig(id=2),
                                        sig(id=3, score_month=float('nan'))]))
    put('signal', 'nan-in-array', '{"type":"signals","data":[NaN,NaN, {"id":1},[NaN],Infinity,-Infinity]}')
    put('signal', 'nan-in-strings', frame([sig(symbol='NaN', side='Infinity', exchange='"NaN" -Infinity \\ NaN')]))
    put('signal', 'nan-words', '{"type":"signals","data":[{"id":1,"a":NaNx,"b":xNaN}],"c":-NaN,"d":NaN.5,"e":1NaN}')
    put('signal', 'nan-adjacent', '{"type":"signals","data":[NaN NaN],"x":[NaN ,NaN],"y":{"k":NaN}}')
    put('signal', 'nan-end', '[NaN')
    put('signal', 'nan-after-ws-end', '{"a": NaN')
    put('signal', 'escapes', '{"type":"sig\\"nals","data":[{"id":1,"symbol":"BTC\\u0055SDT","exchange":"\\\\\\"NaN\\\\"}],"x":"\\\\"}')
    put('signal', 'offsets', frame([sig(id=1, wave_ts='2025-10-22T04:00:00+04:00'),
                                    sig(id=2, wave_ts='2025-10-21T19:15:00-04:45'),
                                    sig(id=3, wave_ts='2025-10-22T00:00:00Z'),
                                    sig(id=4, wave_ts='2025-10-22T00:00:00'),
                                    sig(id=5, wave_ts='2025-02-29T00:00:00+00:00'),
                                    sig(id=6, wave_ts='2024-02-29T00:00:00.123456789+0530'),
                                    sig(id=7, created_at=None),
                                    sig(id=8, created_at=5)]))
    put('signal', 'invalid-mix', frame([sig(id=-1), sig(id=1.5), sig(id=None), sig(symbol='btcusdt'),
                                        sig(side='hold'), sig(score_week='71.5'), {'id': 9},
                                        'str', 7, None, [], sig(id=99)]))
    put('signal', 'dup-ids', frame([sig(id=5), sig(id=5), sig(id=5, side='sell')]))
    put('signal', 'dup-data', '{"type":"signals","data":[{"id":1}],"data":[' + json.dumps(sig()) + ']}')
    put('signal', 'data-first', '{"data":[' + json.dumps(sig()) + '],"type":"signals"}')
    put('signal', 'data-nested', '{"type":"signals","x":{"data":[1,2]},"data":[' + json.dumps(sig()) + ',{"data":[{}]}]}')
    put('signal', 'data-not-array', '{"type":"signals","data":{"id":1}}')
    put('signal', 'empty-data', '{"type":"signals","data":[]}')
    put('signal', 'huge-numbers', frame([sig(id=2**63 - 1, score_week=1e308, score_month=-1e308),
                                          sig(id=2**64)]).replace('-1e+308', '-1e999'))
    put('signal', 'deep', '{"type":"signals","data":[' + '[' * 2100 + ']' * 2100 + ']}')
    put('signal', 'truncated', frame([sig(), sig(id=2)])[:-20])
    put('signal', 'auth-error', '{"type":"auth_response","status":"error","message":"invalid token\\n\\u0001\\"x"}')
    put('signal', 'pong', '{"type":"pong"}')
    put('signal', 'stats', '{"type":"stats","clients":1}')
    put('signal', 'unknown', '{"type":"\\u00e9\\u20ac very long type name that gets truncated for logs"}')
    put('signal', 'no-type', '{"data":[]}')
    put('signal', 'not-json', 'NaN')


def iso8601():
    for i, s in enumerate([
            '2025-10-22T00:00:00+00:00', '2025-10-22T04:00:00+04:00', '2025-10-21T19:15:00-04:45',
            '2025-10-22T00:00:00Z', '2025-10-22 00:00:00Z', '2025-10-22T00:00:00.5+00:00',
            '2025-10-22T00:00:00.123456789-0430', '2025-10-22T00:00:00.1234567890Z',
            '2025-10-22T00:00:00.Z', '2025-10-22T00:00:00', '2025-10-22T00:00:00+04',
            '2025-10-22T00:00:00+04:0', '2025-10-22T00:00:00+18:00', '2025-10-22T00:00:00+18:01',
            '2025-10-22T00:00:00-18:00', '2025-10-22T00:00:00+00:60', '2025-02-29T00:00:00Z',
            '2024-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z',
            '2025-04-31T00:00:00Z', '2025-13-01T00:00:00Z', '2025-00-10T00:00:00Z',
            '2025-10-00T00:00:00Z', '2025-10-22T24:00:00Z', '2025-10-22T23:60:00Z',
            '2025-10-22T23:59:60Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z',
            '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00+00:01', '2025-10-22T00:00:00Zx',
            '2025-10-22t00:00:00Z', '+2025-10-22T00:00:00Z', '2025-1-22T00:00:00Z',
            '2025-10-22T00:00:00.000000000000000000001Z', '2025-11-02T01:59:59-04:00',
            '2025-11-02T01:00:00-05:00', '\u0662025-10-22T00:00:00Z', '']):
        put('iso8601', '%02d' % i, s)


def url():
    for i, s in enumerate([
            'ws://127.0.0.1:47801/v5/public/linear', 'wss://stream.bybit.com/v5/public/linear',
            'http://127.0.0.1:47801', 'https://api.bybit.com/?x=1', 'HTTPS://API.BYBIT.COM:443/',
            'ws://[::1]:8080/x', 'ws://[::1]x', 'ws://[]/', 'ws://[fe80::1%25eth0]/',
            'ws://host:0/', 'ws://host:65536/', 'ws://host:/', 'ws://host:123456789012/',
            'ws://:80/', 'ws://u@host/', 'ws://host?x', 'ws://host#frag', 'ws://ho st/',
            'redis://127.0.0.1:6379/0', 'redis://:secretpass@127.0.0.1:6379/2',
            'redis://hean:p%40ss%3Aw0rd@localhost', 'redis://user@host', 'redis://u:p%00@h',
            'redis://u:p%4@h', 'redis://u:p@q@host/65535', 'redis://host/65536', 'redis://host/x',
            'redis://u:pass/word@host', 'redis://u:pass?word@host', 'redis://:@h',
            'unix://var/run/redis.sock', 'unix:///tmp/r.sock?db=3', 'unix://x?db=',
            'unix://x?dbx=1', 'unix://', 'ftp://x/', 'ws:/x', '://x', 'wssssssss://x',
            'ws://' + 'a' * 300, 'ws://h/' + 'p' * 1100, 'ws://h?' + 'q' * 1100,
            'redis://' + 'u' * 70 + ':p@h', 'redis://u:' + 'p' * 130 + '@h', 'ws://h/\x01',
            'ws://h/\x7f', 'ws://h/\xc3\xa9']):
        put('url', '%02d' % i, s)


def config_text():
    put('config_text', 'full', '\n'.join([
        '# hean config', '', 'HEAN_REDIS_URL=redis://hean:s3cretpassword@127.0.0.1:6379/1',
        'export HEAN_BYBIT_API_KEY="abcdefghijkl"', "HEAN_BYBIT_API_SECRET='mysecretvalue'",
        '  HEAN_SIGNAL_TOKEN = tokentokentoken  ', 'HEAN_SYMBOLS=BTCUSDT, ETHUSDT,BTCUSDT',
        'HEAN_SYMBOL_BLACKLIST=', 'HEAN_WAVE_INTERVAL_S=900', 'HEAN_WAVE_DELAY_S=3600',
        'HEAN_POSITION_USD=1e3', 'HEAN_STOP_LOSS_PCT=99.999', 'HEAN_WAVE_MIN_SCORE=-1000',
        'HEAN_TICKS_MAXLEN=10000000', 'HEAN_TLS_INSECURE=1', 'HEAN_LOG_LEVEL=debug',
        'HEAN_UNKNOWN=1', 'HEAN_SRC=/x', 'HEAN_BYBIT_WS_PUBLIC=wss://stream.bybit.com/v5/public/linear',
        'HEAN_BYBIT_REST=https://api.bybit.com', 'HEAN_REDIS_PREFIX=hean:test:', '']))
    cases = {
        'crlf': 'HEAN_SYMBOLS=BTCUSDT\r\nHEAN_STALE_S=5\r\n',
        'no-eq': 'HEAN_SYMBOLS\n',
        'bad-int': 'HEAN_STALE_S=12x\n',
        'int-overflow': 'HEAN_STALE_S=99999999999999999999\n',
        'neg': 'HEAN_WAVE_MAX_LATE_S=-1\n',
        'pct-100': 'HEAN_STOP_LOSS_PCT=100\n',
        'pct-nan': 'HEAN_STOP_LOSS_PCT=nan\n',
        'dbl-exp': 'HEAN_POSITION_USD=1e-320\n',
        'sym-bad': 'HEAN_SYMBOLS=BTCUSDT,btc\n',
        'sym-empty': 'HEAN_SYMBOLS=BTCUSDT,\n',
        'sym-none': 'HEAN_SYMBOLS=\n',
        'sym-many': 'HEAN_SYMBOLS=' + ','.join('S%04d' % i for i in range(1100)) + '\n',
        'black-many': 'HEAN_SYMBOL_BLACKLIST=' + ','.join('B%03d' % i for i in range(300)) + '\n',
        'secret-ctrl': 'HEAN_BYBIT_API_SECRET=abc\x01def\n',
        'secret-empty': 'HEAN_BYBIT_API_SECRET=\n',
        'secret-long': 'HEAN_SIGNAL_TOKEN=' + 't' * 300 + '\n',
        'quotes': 'HEAN_PROC_NAME="feed-1"\nHEAN_PROC_NAME=\'x\nHEAN_PROC_NAME="\n',
        'name-bad': 'HEAN_PROC_NAME=feed 1\n',
        'level-bad': 'HEAN_LOG_LEVEL=verbose\n',
        'url-scheme': 'HEAN_BYBIT_WS_PUBLIC=http://x/\n',
        'redis-pass-slash': 'HEAN_REDIS_URL=redis://hean:pass/word@127.0.0.1:6379\n',
        'redis-pass-query': 'HEAN_REDIS_URL=redis://hean:pass?word@127.0.0.1:6379\n',
        'redis-bad-port': 'HEAN_REDIS_URL=redis://hean:secretpw@127.0.0.1:secretpw\n',
        'unix': 'HEAN_REDIS_URL=unix://var/run/redis.sock?db=2\n',
        'home-empty': 'HEAN_HOME=\n',
        'export-only': 'export \nexport=1\n',
        'no-newline': 'HEAN_STALE_S=30',
        'long-line': 'HEAN_BYBIT_REST=http://h/' + 'p' * 600 + '\n',
    }
    for k, v in cases.items():
        put('config_text', k, v)


def rest():
    def env(**kw):
        d = {'retCode': 0, 'retMsg': 'OK', 'result': {}, 'retExtInfo': {}, 'time': 1760325052630}
        d.update(kw)
        return json.dumps(d, separators=(',', ':'))
    # byte 0: status index (0 = 200, 8 = 429, 9 = 500, 11 = 404, 13 = no answer);
    # byte 1: 0xf? = curl error ?, else none
    cases = {
        'ok': (0, 0, env(result={'orderId': '1', 'orderLinkId': 'hean-1'})),
        'time': (0, 0, env(result={'timeSecond': '1760325052', 'timeNano': '1760325052630000000'})),
        'rate': (0, 0, env(retCode=10006, retMsg='Too many visits!')),
        'clock': (0, 0, env(retCode=10002, retMsg='invalid request, please check your server timestamp')),
        'unknown-10016': (0, 0, env(retCode=10016)),
        'reject': (0, 0, env(retCode=110072, retMsg='OrderLinkedID is duplicate')),
        'http-429': (8, 0, ''),
        'http-500': (9, 0, '<html>bad gateway</html>'),
        'http-404-env': (11, 0, env(retCode=10001)),
        'no-answer': (13, 0, ''),
        'curl-timeout': (0, 0xf7, ''),
        'not-json': (0, 0, 'OK'),
        'array': (0, 0, '[0]'),
        'retcode-str': (0, 0, '{"retCode":"0","retMsg":"OK"}'),
        'retcode-real': (0, 0, '{"retCode":0.0}'),
        'retcode-big': (0, 0, '{"retCode":4294967296,"retMsg":"x"}'),
        'retcode-neg': (0, 0, '{"retCode":-1,"result":[]}'),
        'long-msg': (0, 0, env(retCode=1, retMsg='m' * 500)),
        'nul-msg': (0, 0, '{"retCode":1,"retMsg":"a\\u0000b"}'),
        'truncated': (0, 0, env()[:-5]),
    }
    for k, (st, cu, body) in cases.items():
        put('rest', k, bytes([st, cu]) + body.encode())


def known():
    # reproducers of invariants known to fail today; checked only with
    # HEAN_FUZZ_STRICT=1 (README.md)
    put('iso8601', 'known-year-before-0000', '0000-01-01T00:00:00+00:01')
    put('iso8601', 'known-year-after-9999', '9999-12-31T23:59:59-00:01')
    put('url', 'known-pass-slash-in-err', 'redis://u:pass/word@host')
    put('config_text', 'known-pass-query-in-dump', 'HEAN_REDIS_URL=redis://u:pass?word@127.0.0.1\n')
    put('signal', 'known-spans-mismatched-brackets', '{"data":[{]}}')
    put('rest', 'known-retcode-2p32-ok', bytes([0, 0]) + b'{"retCode":4294967296}')


for fn in (known, ticker, signal, iso8601, url, config_text, rest):
    fn()
