"""CounterDesk 政务服务窗口受理台."""

__version__ = "0.1.0"
