"""The offline compiler's vocabulary: which words name what.

Kept as plain tables so a missed phrasing is fixed by adding a word here, not by touching
the parsing code. Every table is small on purpose: the compiler asks rather than guesses
when a word is not here.
"""

from __future__ import annotations

FILLERS: frozenset[str] = frozenset("""
a an the i i'd i'm im we me my our you your it its it's this that these those them they
is are be been being was were will would should could can may might must do does did
to of in on at by for from with into onto as so then than also just only please pls plz
and or but if when whenever once while where which who what how
want wanna like need let lets let's make build create write give set setup up get got
strategy strat system algo bot trade trades trading position positions stock stocks
share name names ticker tickers symbol symbols market price prices chart charts bar bars
candle candles use using some something thing simple basic here there now each every per
all any both either new go going can't don't dont crypto mean reversion instead too
rather actually looking idea setup donchian turtle swing scalp scalping
""".split())
"""Words that carry no strategy content on their own; never reported as not understood."""

NON_TICKERS: frozenset[str] = frozenset("""
I A RSI SMA EMA WMA DMA MACD ATR ADX VWAP BB ROC TP SL USD EUR EOD ATH OK PM AM ET EST
US UK EU ETF ETFS IPO CEO AI API LLM SQL DCA FOMO PLS TA OHLC DD PNL HODL YOLO IMO IMHO
FYI BTW ASAP NOT AND OR IF THE WHEN BUY SELL SHORT LONG EXIT STOP PS K D N H M X DROP TABLE
GTC MOC MOO LOD HOD RTH TF HTF LTF STD SD OCO ORB PDT EPS PE PT IV DTE OTM ITM ATM BE DI DMI
OBV CCI MFI SAR PSAR KC HMA VWMA DEMA TEMA TRIX PPO CMF MAs EMAs SMAs VIX
""".split())
"""Upper-case words that are not symbols (indicator names, acronyms, shouting)."""

KNOWN_TICKERS: frozenset[str] = frozenset("""
AAPL MSFT GOOG GOOGL AMZN NVDA TSLA META NFLX ORCL YHOO INTC AMD QCOM AVGO TXN MU CRM ADBE
IBM CSCO PYPL SQ SHOP UBER LYFT SNAP PINS TWTR PLTR SNOW COIN HOOD RBLX ABNB DASH ZM DOCU
JPM BAC WFC GS MS C V MA AXP BRK.B BRK.A KO PEP MCD SBUX NKE WMT COST TGT HD LOW DIS CMCSA
T VZ TMUS XOM CVX COP OXY SLB BA CAT DE GE MMM HON LMT RTX UPS FDX JNJ PFE MRK ABBV LLY
UNH CVS AMGN GILD BMY MRNA BIIB SPY QQQ IWM DIA VTI VOO TLT IEF SHY GLD SLV USO UNG XLF
XLE XLK XLV XLI XLY XLP XLU XLB XLRE SMH SOXX ARKK EEM EFA HYG LQD VXX UVXY TQQQ SQQQ
SPXL SPXS SOXL SOXS EURUSD GBPUSD USDJPY AUDUSD USDCAD INDEX F GM NIO RIVN LCID BABA JD
PDD TSM ASML SAP SONY TM NVO AZN SE MELI ROKU DKNG PENN CHWY ETSY EBAY BKNG EXPE MAR
""".split())
"""Symbols recognised in any letter case (lower-case words that collide with English,
like LOW, V, MA, T, F, C, ON, are only taken when written in upper case)."""

LOWERCASE_UNSAFE: frozenset[str] = frozenset(
    "low v ma t f c ms de ge hd jd se tm all it on key now cost sq dis dia gold cat ups coin "
    "shop snap pins hood dash sap index mar mu gm hon mmm".split())
"""Known symbols that are also English or indicator words: taken only in upper case."""

COMPANIES: dict[str, str] = {
    "apple": "AAPL", "microsoft": "MSFT", "google": "GOOG", "alphabet": "GOOG",
    "amazon": "AMZN", "nvidia": "NVDA", "tesla": "TSLA", "meta": "META",
    "facebook": "META", "netflix": "NFLX", "oracle": "ORCL", "yahoo": "YHOO",
    "intel": "INTC", "coca-cola": "KO", "coca cola": "KO", "pepsi": "PEP",
    "pepsico": "PEP", "jpmorgan": "JPM", "jp morgan": "JPM", "disney": "DIS",
    "boeing": "BA", "exxon": "XOM", "walmart": "WMT", "costco": "COST",
    "salesforce": "CRM", "palantir": "PLTR", "visa": "V", "mastercard": "MA",
    "berkshire": "BRK.B", "adobe": "ADBE", "starbucks": "SBUX", "nike": "NKE",
}
"""A tiny map of household company names; anything else must be given as a symbol."""

CRYPTO: dict[str, str] = {
    "bitcoin": "BTC/USD", "btc": "BTC/USD", "btcusd": "BTC/USD", "btc-usd": "BTC/USD",
    "ethereum": "ETH/USD", "ether": "ETH/USD", "eth": "ETH/USD", "ethusd": "ETH/USD",
    "eth-usd": "ETH/USD", "solana": "SOL/USD", "litecoin": "LTC/USD", "ltc": "LTC/USD",
    "dogecoin": "DOGE/USD", "doge": "DOGE/USD", "ripple": "XRP/USD", "xrp": "XRP/USD",
    "cardano": "ADA/USD", "chainlink": "LINK/USD", "avalanche": "AVAX/USD",
    "avax": "AVAX/USD",
}
"""Crypto names and bare coin symbols, in Alpaca's pair form."""

TYPOS: dict[str, str] = {
    "crosess": "crosses", "corsses": "crosses", "croses": "crosses", "crossses": "crosses",
    "crosss": "crosses", "crosse": "crosses", "cosses": "crosses", "crosing": "crossing",
    "avg": "average", "averge": "average", "avarage": "average", "avergae": "average",
    "averag": "average", "moveing": "moving", "movng": "moving", "mov": "moving",
    "expotential": "exponential", "exponental": "exponential", "bolinger": "bollinger",
    "bollenger": "bollinger", "bolliger": "bollinger", "bollinguer": "bollinger",
    "bollingers": "bollinger", "boll": "bollinger", "stoploss": "stop loss",
    "stop-loss": "stop loss", "stoplos": "stop loss", "trailling": "trailing",
    "trialing": "trailing", "traling": "trailing", "postion": "position",
    "positon": "position", "postions": "positions", "positons": "positions",
    "shars": "shares", "shres": "shares", "sahres": "shares", "mcad": "macd",
    "macd's": "macd", "rsi's": "rsi", "stochastics": "stochastic", "stoch": "stochastic",
    "percent": "%", "pct": "%", "perc": "%", "abov": "above", "abvoe": "above",
    "belwo": "below", "bellow": "below", "blow": "below", "greter": "greater",
    "recieve": "receive", "porfolio": "portfolio", "portfollio": "portfolio",
    "acount": "account", "accout": "account", "equty": "equity", "signla": "signal",
    "sginal": "signal", "hisogram": "histogram", "histo": "histogram", "hist": "histogram",
    "break-out": "breakout", "takeprofit": "take profit",
    "take-profit": "take profit", "profittarget": "profit target", "wks": "weeks",
    "wk": "week", "hrs": "hours", "hr": "hour", "mins": "minutes",
    "secs": "seconds", "thru": "through", "tho": "though", "u": "you", "ur": "your",
    "yday": "yesterday",
    "yesterdays": "yesterday's", "todays": "today's", "prev": "previous",
    "strat": "strategy", "thresh": "threshold",
}
"""Common misspellings and shorthand, fixed word by word before anything is read."""

FUZZY_TARGETS: tuple[str, ...] = (
    "crosses", "average", "exponential", "bollinger", "stochastic", "trailing",
    "position", "positions", "shares", "histogram", "oversold", "overbought",
    "conviction", "drawdown", "breakout", "volatility", "trending",
)
"""Key words a long misspelled word may be corrected to (close matches only)."""

NUMBER_WORDS: dict[str, str] = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "twelve": "12",
    "fifteen": "15", "twenty": "20", "thirty": "30", "fifty": "50", "hundred": "100",
}

UNIT_DAYS: dict[str, int] = {"day": 1, "d": 1, "session": 1, "week": 5, "wk": 5,
                             "month": 21, "mo": 21, "year": 252, "yr": 252}
"""Daily bars in one unit, for periods said in days, weeks, months or years."""

VAGUE_WORDS: dict[str, str] = {
    "cheap": "What makes it cheap? Give a measurable level, e.g. 'RSI(14) below 30' or "
             "'close below the 20-day low'.",
    "expensive": "What makes it expensive? Give a measurable level, e.g. 'RSI(14) above 70'.",
    "undervalued": "Parley's rules read prices and indicators, not valuations: what level "
                   "should trigger the trade, e.g. 'RSI(14) below 30'?",
    "overvalued": "Parley's rules read prices and indicators, not valuations: what level "
                  "should trigger the trade, e.g. 'RSI(14) above 70'?",
    "dip": "How big a dip? Give a level, e.g. 'close 5% below the 20-day high' or "
           "'RSI(2) below 10'.",
    "up": "How much of a rise, over how many bars? Give a level, e.g. 'up 5% in 3 days' or "
          "'close above the 20-day high'.",
    "down": "How much of a fall, over how many bars? Give a level, e.g. 'down 5% in 3 days'.",
    "strong": "What counts as strong? Give a level, e.g. 'ADX above 25' or '10-day rate of "
              "change above 5%'.",
    "weak": "What counts as weak? Give a level, e.g. 'RSI(14) below 40' or 'close below the "
            "50-day SMA'.",
    "low": "What level counts as low? Give a number, e.g. 'RSI(14) below 30'.",
    "high": "What level counts as high? Give a number, e.g. 'RSI(14) above 70'.",
    "momentum": "Which momentum measure and level? e.g. '10-day rate of change above 5%'.",
    "breakout": "A breakout of what? e.g. 'close above the 20-day high'.",
    "support": "Parley has no support/resistance lines; give a level such as 'close below "
               "the 20-day low'.",
    "trend": "What defines the trend? e.g. 'close above the 200-day SMA', or 'only in "
             "trending markets' for the regime filter.",
    "spike": "How big a spike? Give a level, e.g. 'volume above 2x its 20-day average'.",
    "moving_average": "Which moving average length (e.g. the 50-day or the 200-day SMA)?",
}
"""Vague words, each with the question that names what is missing."""

UNSUPPORTED: dict[str, str] = {
    r"\bkeltner": "Keltner channels", r"\bichimoku|\bkumo\b|\bcloud\b": "Ichimoku",
    r"\bobv\b|on[- ]balance volume": "on-balance volume", r"\bcci\b": "CCI",
    r"\bmfi\b|money flow": "money flow index", r"\bp?sar\b|parabolic": "parabolic SAR",
    r"[+-]\s?di\b|\bdmi\b|directional (?:movement|indicator)": "the +DI/-DI lines",
    r"\bsuper\s?trend": "Supertrend", r"\bfib(?:onacci)?\b": "Fibonacci levels",
    r"\bpivot": "pivot points", r"heikin|\bhA candles": "Heikin-Ashi", r"williams": "Williams %R",
    r"\bhma\b|hull": "the Hull moving average", r"\bvwma\b": "VWMA", r"\bd?tema\b|\bdema\b":
    "DEMA/TEMA", r"\btrix\b": "TRIX", r"\baroon\b": "Aroon", r"\bdivergence": "divergences",
    r"\bvix\b": "the VIX",
    r"\btop\s+(?:\d+\s+)?(?:stocks|names|symbols|tickers|performers)|\brank(?:ed|ing)?\b":
    "Ranking symbols and keeping the top N is a screen, which the offline compiler doesn't "
    "build: list the symbols and a rule, or write a `screen` line in the editor.",
}
"""Indicators traders name that the strategy language does not have."""

INDICATORS_SAID = ("SMA, EMA, WMA, RSI, MACD, Bollinger bands, stochastic, ATR, ADX, rate of "
                   "change, VWAP, N-bar highs/lows and average volume")

SCHEDULE_QUESTION = ("Parley's rules are conditions checked on each bar; buying on a "
                     "calendar schedule can't be expressed. Which condition should trigger a "
                     "buy, e.g. 'close above the 50-day SMA'?")

INJECTION_HINTS: tuple[str, ...] = (
    "ignore", "instructions", "system prompt", "you are now", "disregard", "forget",
    "jailbreak", "environment variables", "api key", "password",
)
"""Words that suggest the text talks to the compiler rather than describing a strategy."""
