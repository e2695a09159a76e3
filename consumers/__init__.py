"""storysift: story/boilerplate extraction for crawled pages, as Kafka consumers and offline."""

__version__ = "0.1.0"
