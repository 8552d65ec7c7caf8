"""newscrawler: turns kp40.ru («Калужский перекрёсток») into clean article records."""
