"""Signals other areas may listen to, so that the quiz engine never imports them."""
from blinker import Namespace

_signals = Namespace()

#: sent with `attempt_ids` after scores of finished attempts changed (marking, regrading)
scores_changed = _signals.signal("scores-changed")
