"""Page parsers: map a saved or live ``HtmlResponse`` to items, with no Scrapy engine involved."""
