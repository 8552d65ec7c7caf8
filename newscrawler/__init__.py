"""newscrawler: turns the news of the Kaluga region (kp40.ru, vest-news.ru, kaluga24.tv, any news site) into clean article records."""
