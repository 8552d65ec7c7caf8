"""Log formatting: name the dropped record by its URL instead of dumping the whole article into the log."""

from itemadapter import ItemAdapter, is_item
from scrapy import logformatter


class ConciseLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        result["args"] = {"exception": exception}
        return result

    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        if is_item(item):
            result["args"]["item"] = ItemAdapter(item).get("url")
        return result
