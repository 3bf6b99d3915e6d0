"""The offline compiler's lexicon: every word and phrase it knows, and the token it stands for.

This is the one place a new phrasing goes. A line of ``PHRASES`` reads
``KIND value: phrase | phrase | ...``; a phrase may stand for several tokens
(``FIELD close + CMP gt: closes above``). The grammar (``phrases.lark``) is written over
the token kinds, so "exceeds" and "is greater than" are the same thing to it. ``PATTERNS``
maps a phrase to a condition in the strategy language itself.
"""

from __future__ import annotations

PHRASES = """
SIDE buy: buy | buys | buying | go long | goes long | going long | enter long | enter a long | \
  long | \
  buy long | purchase | get long | open a long | open long | open a long position | bought | \
  long entry | entry long | buy signal | buy entry | enter long position | take a long | \
  take long | go long on | be long | long position | enter a long position | buy to open | \
  buy (long) | buy(long) | long (buy) | purchase rise | trade with rise | buy rise | \
  open a buy | open a buy position | buy position | a buy position | buy trade | a buy trade | \
  buy trades | enter a buy | enter a buy trade | look for buys | for buys | open buy | longs | \
  for longs | long trades | long trade
SIDE short: short | go short | goes short | going short | sell short | short sell | shorts | \
  enter short | enter a short | open a short | open short | short entry | entry short | \
  short position | take a short | sell to open | shorting | be short | \
  initiate a short | enter a short position | sell (short) | sell(short) | short (sell) | \
  purchase fall | trade with fall | buy fall | open a sell | open a sell position | \
  sell position | a sell position | sell trade | a sell trade | sell trades | enter a sell | \
  enter a sell trade | look for sells | for sells | open sell | for shorts | short trades | \
  short trade
SIDE enter: enter | enters | entering | enter a trade | enter the trade | enter a position | \
  enter the market | enter a new trade | take an entry | take a trade | take the trade | \
  open a trade | open a position | open a new position | open trades | place an order | \
  enter trades | place a trade | re-enter | reenter | entry | the entry | an entry | entries | \
  entry point | the entry point | entry order | an entry order | entry condition | \
  entry conditions | the entry conditions | entry criteria | the entry is | entry is
SIDE filter: only if | only when | only allow the buy if | only buy if | only buy when | \
  only take trades when | only trade when | only trade if | as long as | provided that | \
  filter | only allow trades if | only allow trades when | only take longs if | only go long if | \
  only enter if | only enter when | only allow entries if | only allow entries when
SIDE sell: sell | sells | selling | sold
SIDE sellsignal: sell signal | sell signals | a sell signal | the sell signal | \
  sell opportunity | sell opportunities | sell setup | sell setups
SIDE cover: cover | covers | buy to cover | buy back | cover the short | cover short | \
  close the short | exit short | exit the short | exit shorts | short exit
SIDE exit: exit | exits | exiting | close the position | close the trade | close out | \
  close position | close positions | get out | liquidate | \
  exit the position | exit the trade | exit position | exit rule | exit signal | \
  exit all | flatten | close it | get flat | exit on | \
  sell the position | sell everything | close all positions | exit positions | exit trade | \
  close trade | closing the position | close out the position | liquidate the entire portfolio | \
  liquidate the portfolio | liquidate everything | close everything | sell all | liquidate all | \
  sell the entire position | close the entire position | exit the entire position | \
  sell of a position | the sell of a position | sell of the position | the sell of the position
SIDE exitlong: square off the long position | square off the long | close the long position | \
  exit long positions | close longs | exit longs | exit long | exit the long | long exit | \
  close long | close the long | exit a long | close a long | exit long trades | exit long position
SIDE exit: square off | square off the position
SIDE cover: exit short positions | close the short position | close shorts | exit shorts | \
  close sell order | close the sell order | close sell | close the sell | \
  close the sell position | close sell position | close sell trade | close the sell trade
SIDE exitlong: close buy order | close the buy order | close buy | close the buy | \
  close the buy position | close buy position | close buy trade | close the buy trade
SIDE exit + WHEN: close when | close if | close once | hold until | hold the position until | \
  hold it until | hold the trade until | keep it until | hold position until | stay long until | \
  stay in until | stay in the trade until
AFTER: after | after holding for | after being in for | after a maximum of | at most after | \
  after entering | after entry | after the entry | after we enter | since entry | \
  since the entry | after entering the trade | after the trade is entered | later | \
  after that many
WHEN: when | if | whenever | once | as soon as | on | provided | given | upon | on a | on the | \
  in the event of | in the event that | in case of
AND: and | & | with | plus | but | also | while also | as well as | and also | and when | \
  and if | and the | having
AT: at a | at | at its | at a new | at new | is at a | is at a new | makes a new | at the | \
  sets a new | hits a new | reaches a new | is at its | at their
OR: or | or if | or when | either
NOT: not | no longer | doesn't | does not | don't | do not | isn't | is not | didn't | did not
THEN: then | and then | next | otherwise
BETWEEN: between | in between | within the range
CMP gt: above | is above | over | greater than | more than | higher than | exceeds | exceed | \
  > | is over | bigger than | above the level of | stays above | remains above | \
  is greater than | trades above | is higher than | sits above | holds above | is trading above
CMP lt: below | is below | under | less than | lower than | < | beneath | is under | \
  is less than | stays below | remains below | trades below | is lower than | sits below | \
  falls short of | is trading below | smaller than
CMP ge: >= | at least | is at least | at or above | greater than or equal to | or more | \
  or higher | or greater | => | \
  equal to or greater than | on or above
CMP le: <= | at or below | less than or equal to | or less | or lower | =< | on or below | \
  equal to or less than
CROSS above: crosses above | cross above | crossed above | crossing above | crosses over | \
  cross over | crossed over | crossing over | crosses up | crosses upward | crossover | \
  crosses above over | crosses up through | crosses back above | crosses back over | \
  crossing up | goes above | goes over | goes back above | go above | went above | \
  bullish crossover | bullish cross | crosses up above | crosses upwards | cross up | \
  crossed up | cross upward | cross upwards | crossing upward | crossing upwards
CROSS below: crosses below | cross below | crossed below | crossing below | crosses under | \
  cross under | crossed under | crossing under | crosses down | crosses downward | crossunder | \
  crosses back below | crosses back under | crossing down | goes below | goes under | \
  goes back below | go below | went below | bearish crossover | bearish cross | \
  crosses down below | crosses down through | crosses downwards | cross down | \
  crossed down | cross downward | cross downwards | crossing downward | crossing downwards
CROSS any: crosses | cross | crossed | crossing | crosses back | cross back | crossed back | \
  crossover of | the crossover of | a crossover of | crossing of | cross of | the cross of
CROSS break: breaks | breaks out of | break | breaks through | breaks out | break out of
CROSS above~: rises above | moves above | breaks above | climbs above | \
  pushes above | gets above | jumps above | rises over | moves over | breaks over | \
  climbs back above | rises back above | moves back above | gets back above | \
  pops above | breaks out above | back above | recovers above | reclaims | climbs over | \
  rallies above | turns up through | returns above | rises through | \
  surpasses | rises to above | punches above | crosses to above | break above | broke above | \
  breaking above | break out above | broke out above
CROSS below~: drops below | falls below | dips below | breaks below | moves below | \
  sinks below | slips below | drops under | falls under | dips under | \
  moves under | breaks under | falls back below | drops back below | \
  moves back below | back below | back under | breaks down below | \
  falls through | breaks down through | plunges below | declines below | \
  turns down through | returns below | falls to below | drops to below | dips to below | \
  break below | broke below | breaking below | break down below | broke down below
TOUCH: touches | touch | tags | hits | reaches | tests | touched | hit | reached | \
  reaches or exceeds
FIELD close: close | closing price | the close | closes | closing | close price | closed | \
  last price | settlement | candle close | bar close | daily close | settle | closing prices | \
  the close price | the closing price | the candle close | the bar close
FIELD close + CMP gt: closes above | closed above | closes over | closing above | \
  close above | closes higher than | closes beyond | settles above | close over
FIELD close + CMP lt: closes below | closed below | closes under | closing below | \
  close below | closes lower than | settles below | close under
FIELD open: open | opening price | the open | opens | open price | the open price | \
  the opening price
FIELD high: high | highs | the high | high price | the high price | highs of
FIELD low: low | lows | the low | low price | the low price | lows of
FIELD volume: volume | the volume | trading volume | vol
IT: it | price | the price | the stock | the market | the etf | the index | the pair | \
  the instrument | the asset | the security | stock | prices | the share price | share price | \
  the underlying | spot | the coin | the token | market price | current price | it's | its price | \
  s&p 500 | the s&p 500 | s&p500 | the s&p500 | s & p 500 | the s & p 500 | the nasdaq | \
  the dow | the index's | stock price | the stock price | the stock's price | the current price | \
  the market price | the asset's price
IND sma: sma | simple moving average | simple average | simple ma | sma line | \
  simple moving averages | smas
IND ema: ema | exponential moving average | exp moving average | exponential average | \
  exponential ma | emas | exponential moving averages | ema line
IND wma: wma | weighted moving average | weighted average | lwma | linear weighted moving average
IND ma: moving average | ma | mas | moving averages | average | dma | line | day line | \
  day average | ma line | moving avg | avg | moving-average
IND rsi: rsi | relative strength index | relative strength | rsi indicator
IND roc: roc | rate of change | momentum indicator
IND macd: macd | macd line | moving average convergence divergence | macd indicator
IND bollinger: bollinger | bollinger band | bollinger bands | bb | bbands | bands | band | \
  bollinger channel
IND stoch: stochastic | stochastics | stoch | stochastic oscillator | slow stochastic
IND atr: atr | average true range | true range
IND adx: adx | average directional index | directional index
IND vwap: vwap | volume weighted average price | volume-weighted average price
IND avg_volume: average volume | avg volume | volume average | average daily volume | \
  volume moving average | volume ma | avg daily volume | volume sma | avg_volume
IND donchian: donchian | donchian channel | donchian channels | channel | price channel
IND opening_high: opening range high | the opening range high | opening-range high | \
  high of the opening range | the high of the opening range | orb high | the orb high | \
  opening range's high | the opening range's high | top of the opening range
IND opening_low: opening range low | the opening range low | opening-range low | \
  low of the opening range | the low of the opening range | orb low | the orb low | \
  opening range's low | the opening range's low | bottom of the opening range
AT + IND opening_high: at the opening range high | at the opening range's high | \
  at the high of the opening range
AT + IND opening_low: at the opening range low | at the opening range's low | \
  at the low of the opening range
IND stddev: standard deviation | std dev | stdev | standard deviations | stddev
OUT upper + IND bollinger: upper bollinger band | upper bollinger | the upper bollinger band
OUT lower + IND bollinger: lower bollinger band | lower bollinger | the lower bollinger band
OUT middle + IND bollinger: middle bollinger band | middle bollinger | the middle bollinger band
OUT upper: upper | upper band | top band | upper line | upper channel | \
  top of the channel | upper boundary | upper rail
OUT lower: lower | lower band | bottom band | lower line | lower channel | \
  bottom of the channel | lower boundary | lower rail
OUT middle: middle | middle band | middle line | midline | center line | basis | mid band | \
  mid-band | midpoint | middle of the channel
OUT signal: signal | signal line | its signal | the signal line | trigger line | its signal line | \
  their signal line | the macd signal line | macd signal | macd signal line
OUT hist: histogram | hist | macd histogram
OUT d: %d | d line | slow line
OUT k: k line | fast line | %k | %k line | the %k line
EXTREME highest: highest | max | maximum | highest price | top
EXTREME highest + FIELD high: highest high | highest of the highs
EXTREME highest + FIELD close: highest close | highest closing price
EXTREME lowest: lowest | min | minimum | lowest price | bottom
EXTREME lowest + FIELD low: lowest low | lowest of the lows
EXTREME lowest + FIELD close: lowest close | lowest closing price | closing low | close low
EXTREME highest + FIELD close: closing high | close high
LAG: previous | prior | yesterday's | yesterday | last | the previous | the prior | \
  the previous day's | the prior day's | previous day's | prior day's | previous bar's | \
  prior bar's | last bar's | the last bar's | the previous bar's | preceding | the preceding | \
  previous day | prior day | yesterdays | the day before | that of the previous bar | \
  that of the previous day | that of the prior bar | the previous one | the prior one | \
  the one before | that of the previous candle | the previous bar | the prior bar | \
  the previous candle | the bar before | the candle before
TREND up: rising | is rising | turns up | slopes up | sloping up | upward sloping | points up | \
  is pointing up | slope is positive | turning up | is sloping up | \
  is trending up | positive slope | is increasing | ticks up | turns higher
TREND down: falling | is falling | turns down | slopes down | sloping down | downward sloping | \
  points down | is pointing down | slope is negative | turning down | \
  is sloping down | is trending down | negative slope | is decreasing | \
  ticks down | turns lower
MOVE up: gains | rises | rise | is up | up | jumps | rallies | climbs | advances | increases | \
  gained | \
  rose | rallied | jumped | climbed | closes up | closed up | higher
MOVE down: drops | falls | fall | is down | down | declines | loses | sinks | dropped | fell | \
  declined | \
  closes down | closed down | decreases | plunges | lower | \
  pulls back | pullback | pulled back | retraces
MOVE gapup: gaps up | gap up | gapped up | gapping up | opens up | opened up
MOVE gapdown: gaps down | gap down | gapped down | gapping down | opens down | opened down
CROSS above + NUM 0: turns positive | becomes positive | goes positive | turned positive | \
  crosses into positive territory | moves into positive territory
CROSS below + NUM 0: turns negative | becomes negative | goes negative | turned negative | \
  crosses into negative territory | moves into negative territory
NUM 2 + SCALE: twice | double | two times
NUM 3 + SCALE: triple | three times
WHEN + AT: on a new | on new | upon a new
TARGET: the position is up | position is up | the trade is up | trade is up | \
  the position gains | the trade gains
ITS: its | their | its own
AT + EXTREME lowest: is the lowest | is at the lowest | was the lowest | is the lowest of
AT + EXTREME highest: is the highest | is at the highest | was the highest | is the highest of
SIDE buy + FILL: buy the close | buy the open | buys the close | buy on the close
SIDE sell + FILL: sell the close | sell the open | sells the open | sells the close
AFTER + PERIOD 1:day: at the next day's close | at next day close | at the close of the next day | \
  at the following day's close | on the next day's close | on the close of the next day | \
  at the next day close | at the close the next day | at the next session's close
FROM above: from below | to the upside | upwards | upward | to the up side | from underneath
FROM below: from above | to the downside | downwards | downward | to the down side
SPEED fast: fast | faster | quick | quicker | shorter | fast moving | faster moving | \
  the fast | the faster | short-term | shorter-term | short term
SPEED slow: slow | slower | longer | slow moving | slower moving | the slow | the slower | \
  long-term | longer-term | long term
SPEED fast: the short one | the fast one | the shorter one | the faster one | the quick one | \
  a short one | a fast one | a shorter one | a faster one
SPEED slow: the long one | the slow one | the longer one | the slower one | a long one | \
  a slow one | a longer one | a slower one
AGO: ago | earlier | before that | bars ago | days ago
DAYN 1: day 1 | day one | day #1
DAYN 2: day 2 | day two | day #2
DAYN 3: day 3 | day three | day #3
DAYN 4: day 4 | day four | day #4
DAYN 5: day 5 | day five | day #5
NUM 0: zero line | the zero line | 0 line | the 0 line | the zero level | zero level | \
  the centerline | the centreline
ROW: in a row | consecutive | straight | running | successive | in succession | back to back
STOP: stop | stop loss | stoploss | stop-loss | sl | stop out | stopped out | protective stop | \
  hard stop | initial stop | stop at | stop losses | stops | max loss | maximum loss | \
  cut losses | cut the loss | stop level | loss limit per trade | stop loss at | a stop | s/l | \
  a loss of | the loss is | loss of | stop-loss at | stop loss of | a stop loss of | a stop loss | \
  a stop loss at | a stop-loss | a stop-loss at | loss at | a loss at | by loss at | loss
TARGET: take profit | profit target | target | tp | take profits | take-profit | profit taking | \
  profit objective | take profit at | target of | targets | objective | exit at a profit of | \
  book profit | book profits | limit order at | profit target of | t/p | a profit of | \
  profit of | the profit is | a gain of | take profit of | profit | gain | a profit | \
  in profit of | profit at | a gain at
TRAIL: trailing stop | trailing | trail | trailing stop loss | trail the stop | trailing-stop | \
  trail stop | trails | chandelier stop | trailed stop | trailing sl | trailing stop percentage | \
  trailing stop loss percentage | trailing percentage | trailing stop percent | trail percent | \
  trailing stop distance | trail distance
HOLD: hold | hold for | max hold | holding period | hold at most | time stop | held for | \
  maximum holding period | hold it for | stay in for | hold up to | keep it for | \
  max holding period | holding time | holding limit | time exit | time-based exit
SIZE: size | position size | allocate | allocation | invest | put | sizing | position sizing | \
  bet | trade size | buy with | allocating | per position size | lot size | quantity | qty
RISK: risk | risking | risks | account risk | risk per trade | risk of | max risk
SHARES: shares | share | units | unit | contracts | contract | coins | shs
LOTS: lot | lots | standard lot | standard lots | mini lot | mini lots | micro lot | micro lots
EQUITY: of equity | equity | of capital | capital | of the account | of my account | account | \
  of account | of the portfolio | of my portfolio | portfolio | of portfolio | of my capital | \
  account equity | of account equity | of my equity | balance | of the balance | account balance | \
  of my balance | of available capital | of cash | cash | buying power | of buying power | \
  of total equity | total equity | of capital per trade | of the capital | bankroll | \
  of the allocated capital | allocated capital | of the trading capital | trading capital | \
  of your trading capital | of your capital | of your account | your account | \
  of the trading account | of your equity | of your portfolio | of the account balance | \
  of net liquidation | of account value | account value
PER: per trade | a trade | each trade | per position | each position | per entry | per signal | \
  on each trade | for each trade | every trade | in each | each | per | of each trade
PIPS: pips | pip | points | point | ticks | tick
ATR: atr | atrs | x atr | times atr | times the atr | atr multiple | atr's | average true ranges
RRWORD: risk reward | risk/reward | r:r | rr | reward to risk | risk to reward | r | \
  risk-reward | reward:risk | reward-to-risk | risk-to-reward | times the risk | times risk | \
  x risk | r multiple | times the stop | times the stop distance | x the stop | \
  risk reward ratio | risk/reward ratio | risk-reward ratio | reward ratio | r:r ratio | \
  rr ratio | reward to risk ratio | risk to reward ratio | reward-to-risk ratio
AGENTS: all agents | with all agents | the agents | agents | the agent team | agent team | \
  with agents | with the agents | all the agents | the analyst team | analyst team | \
  use the agents | using the agents
UNIVERSE add: add | also trade | include | add in | also buy
UNIVERSE remove: remove | drop | exclude | take out | no longer trade | stop trading | without
RENAME: call it | name it | rename it to | rename it | rename to | call the strategy | \
  name the strategy | rename the strategy to | rename the strategy
OPTIONAL: optional | optionally | alternatively | alternative | variant | aggressive version | \
  optional aggressive version | a variation | variation
DIR long: long only | long-only | only long | longs only | only longs | long entries only | \
  long entry only | long trades only | long positions only | only long trades | \
  only long positions | only long entries | long side only | only the long side
DIR short: short only | short-only | only short | shorts only | only shorts | \
  short entries only | short entry only | short trades only | short positions only | \
  only short trades | only short positions | only short entries | short side only | \
  only the short side
DIR reverse: stop and reverse | stop-and-reverse | reverse the position | reverse position | \
  reverses the position | the position is reversed | position is reversed | \
  reversing the position | \
  always in the market | reverse and go short | reverse and go long | reverse to short | \
  reverse to long | reversed to the opposite side
DIR short: make it a short | make it short | make it a short trade | go short instead | \
  short instead | switch to short | switch to shorts | switch to shorting | flip it to short | \
  flip to short | turn it into a short | trade it short | trade it from the short side | \
  the short side instead | short it instead
DIR long: make it a long | make it long | make it a long trade | go long instead | \
  long instead | switch to long | switch to longs | flip it to long | flip to long | \
  turn it into a long | trade it long | trade it from the long side | the long side instead | \
  buy it instead
CHANGE tighter: tighter | tighten | tighten the | a tighter | closer | narrower | smaller | \
  a smaller | a closer | reduce the | shrink the
CHANGE wider: wider | widen | widen the | a wider | looser | loosen | loosen the | bigger | \
  a bigger | larger | a larger | further | farther | more room for the
DIR both: long and short | long or short | both sides | both directions | long/short | \
  longs and shorts | long-short | both long and short
SCALE: x | times | *
SETTING: length | lengths | lookback | lookback period | period length | setting | settings | \
  parameter | parameters | input | window | period of | a period of | length of | \
  a length of | with a period of | with a length of | set to | period | periods | \
  period setting | length setting | lookback length
DEFINE: is defined as | are defined as | is defined by | are defined by | is defined when | \
  is defined | defined as | is considered | are considered | is identified as | \
  is identified when | we define | definition | definition is | is confirmed when | \
  is confirmed by | is present when | exists when | is valid when | is in place when
TFWORD 1w: weekly
TFWORD 1mo: monthly
LPAR: (
RPAR: )
COMMA: ,
ASIDE: indicating | signaling | signalling | suggesting | which indicates | which means | \
  meaning | showing | confirming | to confirm | as a sign | as confirmation | which signals | \
  which suggests | implying | a sign of | signifying | to capture | in order to
ENTRYREF below: below entry | below the entry | below the entry price | below entry price | \
  below the purchase price | below my entry | below my buy price | below the buy price | \
  below cost | below the fill | under the entry price | under entry | \
  falls below the entry price | drops below the entry price | falls below entry | \
  drops below entry | goes below the entry price | moves below the entry price | \
  falls below the entry price by | drops below the entry price by | below the entry price by | \
  below entry by
ENTRYREF above: above entry | above the entry | above the entry price | above entry price | \
  above the purchase price | above my entry | above the buy price | over the entry price | \
  rises above the entry price | rises above entry | goes above the entry price | \
  moves above the entry price | rises above the entry price by | above the entry price by | \
  above entry by
FILL: at the close | on the close | the close after | at the open | on the open | \
  for the next bar | on the next bar | for the next bar at open | on the next bar at open | \
  next bar at open | at the open of the next bar | at the next bar open | on the next bar's open | \
  at the open of the next day | on the next day's open | at open | at today's close | \
  on today's close | at today's open | at the day's close | at the close of today | \
  at the next open | on the next open | at the next bar's open | \
  on the open of the next day | at the open of the next day | the next morning | next day's open | \
  the next day's open | at tomorrow's open | at the opening | on the opening | \
  at the close of the day | on the close of the day
FILL market: at market | at the market | at market price | market order | on the market price | \
  at the market price | with a market order | by market order
TRAILREF: from the high | from the peak | from the highest high | off the high | off the highs | \
  from its high | from the highest close | below the highest high since entry | \
  below the high since entry | from the highest price since entry | \
  below the highest close since entry | below the peak | from the highest point | \
  below the highest price since entry | from the high since entry
FROMENTRY: from entry | from the entry | from the entry price | of the entry price | of entry | \
  of entry price | from the purchase price | from my entry | from the fill | \
  from the fill price | from fill price | from the buy price | from the open price of the trade
DROP: of inactivity | without an exit | with no exit | make it | make that | set it to | \
  change it to | make the size | \
  mean reversion | mean-reversion | trend following | trend-following | \
  of the trade | on the trade | of the position | \
  on the position | of position | in profit | in loss | \
  of the position value | away | distance | a distance of | at a distance of | the entry price | \
  for the position | if not stopped out | unless stopped out | if not stopped | \
  if the stop is not hit | unless the stop is hit | at that point | at this point | \
  at that moment | \
  buy/sell signals | buy/sell signal | buy and sell signals | buy/sell | buy and sell | \
  buy or sell signals | equity curve | the equity curve | equity curves | the following equity curve
VAGUE cheap: cheap | cheaper
VAGUE expensive: expensive | pricey
VAGUE undervalued: undervalued | under valued | overvalued | fair value | intrinsic value
VAGUE dip: dip | the dip | dips | a dip
VAGUE strong: strong | strength | strongly | strongest
VAGUE weak: weak | weakness | weakest
VAGUE momentum: momentum | good momentum | strong momentum
VAGUE oversold: oversold | overbought | over sold | over bought | stretched | overextended | \
  extended
VAGUE trend: trend | uptrend | downtrend | up trend | down trend | the trend | trending | \
  trend is up | trend is down | in a trend
VAGUE support: support | resistance | support level | resistance level | key level | \
  support line | resistance line | demand zone | supply zone
VAGUE breakout: breakout | break out | breakouts | breakdown | break down
VAGUE spike: spike | spikes | surge | surges | explodes
VAGUE swing: swing low | swing high | recent low | recent high | recent swing low | \
  recent swing high | pivot low | pivot high | swing point | the recent low | the recent high
UNSUP keltner: keltner | keltner channel | keltner channels
UNSUP ichimoku: ichimoku | kumo | tenkan | kijun | senkou | ichimoku cloud
UNSUP obv: obv | on balance volume | on-balance volume
UNSUP cci: cci | commodity channel index
UNSUP mfi: mfi | money flow index | money flow
UNSUP sar: sar | psar | parabolic sar | parabolic
UNSUP dmi: dmi | +di | -di | di+ | di- | directional movement | plus di | minus di
UNSUP supertrend: supertrend | super trend
UNSUP fibonacci: fibonacci | fib | fibs | retracement
UNSUP pivots: pivot points | pivot point | pivots
UNSUP heikin: heikin ashi | heikin-ashi | heiken ashi
UNSUP williams: williams %r | williams r | %r
UNSUP hma: hma | hull moving average | hull ma
UNSUP vwma: vwma
UNSUP tema: tema | dema | triple exponential | double exponential
UNSUP trix: trix
UNSUP aroon: aroon
UNSUP divergence: divergence | divergences | bullish divergence | bearish divergence
UNSUP vix: vix | the vix | volatility index
UNSUP ranking: rank | ranked | ranking | top performers | best performing | rotation | rotate | \
  relative strength ranking | strongest stocks | top stocks
UNSUP calendar: month end | end of the month | end of month | month-end | first trading day | \
  last trading day | trading day of the month | beginning of the month | start of the month | \
  turn of the month | every monday | every friday | on monday | on friday | on mondays | \
  on fridays | day of the week | each month | every month | each week | every week | \
  weekly rebalance | monthly rebalance | rebalance | quarter end | end of the quarter
UNSUP session: next open | the next open | next morning | end of day | end of the day | \
  market close | market open | the next day | the next bar | next bar | at the next bar | \
  next session | the following day | following day | overnight | opening bell | closing bell | \
  moc | market on close
UNSUP pattern: engulfing | doji | hammer | shooting star | harami | morning star | \
  evening star | pin bar | head and shoulders | double top | double bottom | flag | pennant | \
  wedge | triangle | cup and handle
UNSUP fundamentals: earnings | pe ratio | p/e | dividend | revenue | eps | fundamentals | \
  news | sentiment | guidance
UNSUP options: options | option | calls | puts | call option | put option | strike | expiry
UNSUP breakeven: break even | breakeven | break-even | move the stop | move stop | \
  scale out | scale in | scaling in | scaling out | pyramid | pyramiding | add to the position | \
  partial profit | partial profits | half the position | half of the position | average down | \
  enter another | another long trade | another short trade | another trade | add another | \
  second entry | add a second | enter a second long | enter a second short | a second long | \
  a second short | second long | second short | enter a second | a second position | \
  a second trade | enter a third
UNSUP reverse: flip | flip the position | flips the position
"""
"""The phrase table: ``KIND value: phrase | phrase``; ``+`` joins the tokens of one phrase."""

VERB_FORMS = """
rises: rise | rose | risen | rising
falls: fall | fell | fallen | falling
drops: drop | dropped | dropping
dips: dip | dipped | dipping
moves: move | moved | moving
climbs: climb | climbed | climbing
sinks: sink | sank | sunk | sinking
slips: slip | slipped | slipping
breaks: break | broke | broken | breaking
crosses: cross | crossed | crossing
goes: go | went | gone | going
jumps: jump | jumped | jumping
pushes: push | pushed | pushing
gets: get | got | getting
pops: pop | popped | popping
rallies: rally | rallied | rallying
reclaims: reclaim | reclaimed | reclaiming
recovers: recover | recovered | recovering
returns: return | returned | returning
trades: trade | traded | trading
stays: stay | stayed | staying
remains: remain | remained | remaining
holds: hold | held | holding
sits: sit | sat | sitting
touches: touch | touched | touching
reaches: reach | reached | reaching
exceeds: exceed | exceeded | exceeding
surpasses: surpass | surpassed | surpassing
declines: decline | declined | declining
plunges: plunge | plunged | plunging
turns: turn | turned | turning
closes: close | closed | closing
settles: settle | settled | settling
punches: punch | punched | punching
tags: tag | tagged | tagging
tests: test | tested | testing
"""
"""Other forms of the verbs that open a phrase ("rises above": "rise above", "rose above"):
every phrase of two or more words that starts with the left-hand form is also read with
each form on the right, unless the table already has that phrase."""

PATTERNS = """
close > open: green candle | green bar | green day | bullish candle | up candle | white candle | \
  green candles | bullish bar | green
close < open: red candle | red bar | red day | bearish candle | down candle | black candle | \
  red candles | bearish bar | red
close > close[1]: up day | up close | higher close | up days | up closes | higher closes | \
  closes higher | closed higher | close higher | an up day | positive day | advancing day
close < close[1]: down day | down close | lower close | down days | down closes | lower closes | \
  closes lower | closed lower | close lower | a down day | negative day | declining day
high < high[1] and low > low[1]: inside bar | inside day | inside candle | inside bars | inside days
high > high[1] and low < low[1]: outside bar | outside day | outside candle | engulfing bar
high > high[1]: higher high | a higher high | higher highs | makes a higher high
low < low[1]: lower low | a lower low | lower lows | makes a lower low
low > low[1]: higher low | a higher low | higher lows
high < high[1]: lower high | a lower high | lower highs
open > high[1]: gap above yesterday's high | opens above yesterday's high | \
  gaps above the prior high
open < low[1]: gap below yesterday's low | opens below yesterday's low | gaps below the prior low
high - low < lowest(high - low, 7)[1]: nr7 | narrowest range of the last 7 days | narrow range 7
high - low < lowest(high - low, 4)[1]: nr4 | narrowest range of the last 4 days | narrow range 4
"""
"""Multi-bar shapes as strategy-language conditions (``N ... in a row`` repeats one)."""

EXPRESSIONS = """
high - low: range | the range | daily range | bar range | the day's range | true range of the bar
(close - low) / (high - low): ibs | the ibs | internal bar strength | the internal bar strength | \
  internal bar strength indicator | ibs indicator | the ibs indicator
"""
"""Named quantities as strategy-language expressions (used like any operand)."""

FILLERS = frozenset(
    """
a an the i i'd i'm im we me my our you your this that these those them they their
is are be been being was were will would should could can may might must do does did
to of in on by for from with into onto as so than just only please pls plz
today today's want wanna use function formula code script help like need let lets let's
make build create write give set setup get got
strategy strat system algo bot trade trades trading position positions name names
ticker tickers symbol symbols chart charts candle candles bars bar using some
something thing simple basic here there now every all any new go going can't don't dont
rule rules condition conditions signal signals setup setups indicator indicators value
level levels reading readings currently current itself itself. then day days session
sessions period periods time times frame timeframe when: exits long-term
market markets instead rather actually looking idea approach method technique
nothing immediately automatically simply also still again back that's there's which
whose what who whom how very really quite basically just typically usually generally will
classic popular famous known called named following follows below: above: the: both: both
first second third finally next, note notes we'll we're i'll you'll it'll he she
go also, apply applies applied look looks see sees watch watches wait waits until
stays remain remains stay keep keeps held holds able allow allows allowed happen happens
moment point bar's day's candle's week's month's price's instance example
triggered trigger triggers generated generates generate occurs occur fires fired signaled
signalled signaling signalling indicates indicating means meaning confirms confirmed
confirmation confirming designed identify identifies potential possible opportunity
opportunities specific met satisfied true fulfilled occurs trades executed execute executes
placed place places order orders entered enters exited open opened opens opening taken take
takes initiated initiate initiates bought sold using uses used based measured calculated
following followed criteria parameters parameter default defaults optional described
simply classic just whole entire full total available existing predefined predetermined
specified given defined determined default. typically usually normally commonly generally
has have had having where check checks rating ratings will shall needs need needed must been
occurrence appearance formation forms form considered upon valid major
""".split()
)
"""Words with no strategy content of their own: dropped, never reported."""

NON_TICKERS = frozenset(
    """
I A RSI SMA EMA WMA DMA MACD ATR ADX VWAP BB ROC TP SL USD EUR EOD ATH OK PM AM ET EST US UK
EU ETF ETFS IPO CEO AI API LLM SQL DCA FOMO PLS TA OHLC DD PNL HODL YOLO IMO IMHO FYI BTW
ASAP NOT AND OR IF THE WHEN BUY SELL SHORT LONG EXIT STOP PS K D N H M X GTC MOC MOO LOD HOD
RTH TF HTF LTF STD SD OCO ORB PDT EPS PE PT IV DTE OTM ITM ATM BE DI DMI OBV CCI MFI SAR PSAR
KC HMA VWMA DEMA TEMA TRIX PPO CMF MA MAS EMAS SMAS VIX NR NR4 NR7 IBS RR R TR NYSE NASDAQ
CFD FX PIP PIPS LOT ENTRY EXIT EXITS RULES RULE SETUP NOTE NOTES TIMEFRAME RISK SIZE TARGET
ALL ANY NO YES ON AT TO OF IN BY FOR IS IT BE AS AN UP DOWN NEW OPEN CLOSE HIGH LOW DAY
STOCH INDU DJIA GMT UTC EDT CST PST NY LONDON ASIA MAX MIN AVG EG IE VS ETC ROI ROE
TV EA PNL OHLCV CSV API REF TRUE FALSE NULL NAN ALWAYS NEVER ONLY WHEN THEN ELSE
""".split()
)
"""Upper-case words that are not symbols (indicator names, acronyms, headings, shouting)."""

KNOWN_TICKERS = frozenset(
    """
AAPL MSFT GOOG GOOGL AMZN NVDA TSLA META NFLX ORCL YHOO INTC AMD QCOM AVGO TXN MU CRM ADBE IBM
CSCO PYPL SQ SHOP UBER LYFT SNAP PINS PLTR SNOW COIN HOOD JPM BAC WFC GS KO PEP MCD SBUX NKE
WMT COST TGT HD DIS XOM CVX BA CAT JNJ PFE MRK UNH SPY QQQ IWM DIA VTI VOO TLT IEF GLD SLV USO
XLF XLE XLK XLV XLI XLY XLP XLU XLB SMH EEM EFA HYG LQD TQQQ SQQQ EURUSD GBPUSD USDJPY AUDUSD
SPX NDX SHY AGG BND
""".split()
)
"""Symbols taken in any letter case (other symbols must be written in capitals)."""

UNIVERSE_MOVES = {"drop": "down"}
"""Follow-up verbs ("drop ORCL") that are a price move when no symbol follows ("if it
doesn't drop by more than 1%")."""

LOWERCASE_UNSAFE = frozenset(
    "low all it on key now cost dis dia shop snap pins hood coin hd mu cat gs ba spy shy".split()
)
"""Known symbols that are also English words: taken only in capitals."""

COMPANIES = {
    "apple": "AAPL",
    "microsoft": "MSFT",
    "google": "GOOG",
    "alphabet": "GOOG",
    "amazon": "AMZN",
    "nvidia": "NVDA",
    "tesla": "TSLA",
    "facebook": "META",
    "netflix": "NFLX",
    "oracle": "ORCL",
    "yahoo": "YHOO",
    "intel": "INTC",
    "coca-cola": "KO",
    "pepsi": "PEP",
    "jpmorgan": "JPM",
    "disney": "DIS",
    "boeing": "BA",
    "exxon": "XOM",
    "walmart": "WMT",
    "btc": "BTC/USD",
    "eth": "ETH/USD",
    "btcusd": "BTC/USD",
    "ethusd": "ETH/USD",
    "btcusdt": "BTC/USD",
    "ethusdt": "ETH/USD",
    "xbtusd": "BTC/USD",
}
"""Names of instruments a trader may write instead of the symbol."""

NAMED_IN_WORDS = {
    "bitcoin": "BTC/USD",
    "ethereum": "ETH/USD",
    "ether": "ETH/USD",
    "solana": "SOL/USD",
    "litecoin": "LTC/USD",
    "dogecoin": "DOGE/USD",
    "gold": "GLD",
}
"""Instruments named in words, which several symbols trade (BTC/USD or BTC/USDT, gold as
GLD or futures): asked, with the likely symbol as the example."""

TYPOS = {
    "crosess": "crosses",
    "corsses": "crosses",
    "croses": "crosses",
    "crossses": "crosses",
    "donchain": "donchian",
    "donchan": "donchian",
    "moveing": "moving",
    "averge": "average",
    "avarage": "average",
    "expotential": "exponential",
    "bolinger": "bollinger",
    "bollenger": "bollinger",
    "trailling": "trailing",
    "traling": "trailing",
    "postion": "position",
    "shars": "shares",
    "mcad": "macd",
    "abov": "above",
    "belwo": "below",
    "bellow": "below",
    "percent": "%",
    "pct": "%",
    "per cent": "%",
    "thru": "through",
    "prev": "previous",
    "yday": "yesterday",
    "wks": "weeks",
    "hrs": "hours",
    "mins": "minutes",
    "stoplos": "stoploss",
    "profittarget": "profit target",
}
"""Misspellings and shorthand, fixed word by word."""

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "single": 1,
    "double": 2,
    "twice": 2,
    "triple": 3,
    "half": 0.5,
}

PERIOD_UNITS = {
    "day": "day",
    "days": "day",
    "period": "bar",
    "periods": "bar",
    "bar": "bar",
    "bars": "bar",
    "session": "day",
    "sessions": "day",
    "candle": "bar",
    "candles": "bar",
    "d": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "trading": "day",
    "length": "bar",
    "lookback": "bar",
    "year": "year",
    "years": "year",
    "day's": "day",
    "days'": "day",
    "bar's": "bar",
    "bars'": "bar",
    "period's": "bar",
}
"""Words after a number that make it a period ("20-day", "14 bars")."""

DAY_WORDS = frozenset("day days yesterday yesterday's yesterdays today today's day's days'".split())
"""Words that count time in days: a rule using them runs on daily bars unless told otherwise."""

UNIT_DAYS = {"day": 1, "bar": 1, "week": 5, "month": 21, "year": 252}
"""Daily bars in one unit, for periods said in weeks, months or years."""

TIMEFRAME_UNITS = {
    "minute": "m",
    "minutes": "m",
    "min": "m",
    "m": "m",
    "hour": "h",
    "hours": "h",
    "h": "h",
    "hr": "h",
    "hourly": "h",
}

TIMEFRAME_WORDS = """
1d: daily | daily chart | daily bars | daily candles | daily timeframe | end-of-day | eod | \
  day chart | d1 | 1d | daily closes | daily data | day bars | 1-day | on the daily
1h: hourly | hourly chart | hourly bars | hourly candles | h1 | 1h | 60m | 60 min | 60-minute
4h: 4h | h4 | 4-hour | 4hr | 240m
30m: 30m | m30 | half-hour | half hour
15m: 15m | m15
5m: 5m | m5
1m: 1m | m1
1w: weekly chart | weekly bars | weekly candles | w1 | 1w | week chart | \
  weekly timeframe | on the weekly | weekly data | weekly closes | weekly candle | weekly bar
1mo: monthly chart | monthly bars | 1mo | monthly candles | monthly timeframe | \
  on the monthly | monthly data | monthly closes | mn1 | monthly candle | monthly bar
"""
"""Timeframe labels. On weekly (monthly) bars a length in weeks (months) counts bars. The
bare words "weekly" and "monthly" are ``TFWORD``s in ``PHRASES``: a bar size only before what
is measured on bars ("the weekly RSI", "a weekly close"), not in "a weekly contract"."""

HEADERS = """
entry: entry | entries | entry rules | entry rule | entry conditions | entry condition | \
  buy rules | buy conditions | buy signal | buy | entry signal | \
  entry criteria | buy rule | buy criteria | setup | \
  entering | when to buy | opening a position | open
long: long | long entry | long setup | long entry rules | long trades | long trade | longs | \
  long positions | long side | long rules | long signals | long conditions | for longs | \
  long setups | long position
short: short entry | short rules | sell short | short | short entry rules | short setup | \
  short signal | short conditions | shorting | short trades | short trade | shorts | \
  short positions | short side | short signals | for shorts | short setups | short position
exit: exit | exits | exit rules | exit rule | exit conditions | exit condition | sell rules | \
  sell conditions | sell | exit signal | close | closing | full exit | \
  exit criteria | sell rule | when to sell | take profit and exit | closing a position
exitlong: long exit | long exits | exit long | exit longs | long exit rules | close long | \
  exit long positions
cover: short exit | short exits | exit short | exit shorts | short exit rules | cover | \
  buy to cover | cover rules | exit short positions
filter: filters | filter | additional filters | trade filters | entry filters | \
  filter conditions | market filter | trend filter | filter rules
hold: time stop | time exit | holding period | max hold | maximum holding period | \
  holding time | max holding period | time-based exit
stop: stop | stop loss | stop-loss | stops | risk management | stoploss | protective stop
target: target | take profit | profit target | targets | profit taking
size: position size | position sizing | size | sizing | money management | allocation | \
  capital | risk per trade
universe: market | markets | instrument | instruments | symbol | symbols | ticker | tickers | \
  asset | assets | universe | traded on | applies to | tested on | trade | stocks | pair | pairs
timeframe: timeframe | time frame | chart | period | bars | interval | resolution
"""
"""Section headings ("Exit:") and the role they give the lines under them."""

CLEAR_WORDS = frozenset("remove drop without no delete cancel lose skip forget".split())
"""Words that take a level away ("remove the stop", "no take profit", "without a stop")."""

CODE_PREFIXES = ("ta.", "talib.", "bt.ind.", "bt.indicators.", "indicators.", "math.")
"""Namespaces that trading platforms' formulas put before an indicator ("ta.sma(close, 10)")."""

INJECTION_HINTS = (
    "ignore",
    "instructions",
    "system prompt",
    "you are now",
    "disregard",
    "forget",
    "jailbreak",
    "environment variables",
    "api key",
    "password",
)
"""Words that suggest the text talks to the compiler rather than describing a strategy."""

NEW_CUES = (
    "new strategy",
    "another strategy",
    "a different strategy",
    "different strategy",
    "start over",
    "from scratch",
    "forget that",
    "forget it",
    "something else",
    "a new one",
    "another one",
    "next strategy",
    "second strategy",
    "scrap that",
    "different idea",
    "another idea",
    "new idea",
)
"""Words with which a follow-up says it describes a new strategy, not a change."""

REVISION_CUES = (
    "instead",
    "rather",
    "change",
    "changed",
    "replace",
    "switch",
    "make it",
    "update",
    "modify",
    "keep",
    "same",
    "except",
    "but with",
    "tighter",
    "wider",
    "tighten",
    "widen",
    "anymore",
    "no longer",
)
"""Words with which a follow-up says it changes the current strategy ("... instead"), even
when it restates a whole rule set; "also" and "add" are not among them, as descriptions
use them too ("also exit after 10 days")."""
