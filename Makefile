# Shortcuts; each target is one of the README's commands.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080

.PHONY: install crawl test demo bench bench-quick clean

$(BIN)/scrapy: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	touch $@

install: $(BIN)/scrapy

## Crawl every outlet of the region (live sites, polite defaults) into articles.jsonl
crawl: install
	$(BIN)/scrapy crawl kaluga -O articles.jsonl

## The test suite (browser and Redis tests skip with a reason when Chromium / redis-server are not installed)
test: install
	$(BIN)/python -m pytest -rs tests

## Crawl the bundled saved outlets offline: serve kp40, vest, kaluga24 on 127.0.0.1:$(PORT)..+2, crawl the region into demo.jsonl
demo: install
	@$(BIN)/python tests/replica_server.py --port $(PORT) >/dev/null 2>&1 & echo $$! > .demo-servers.pid; \
	$(BIN)/python tests/replica_server.py --port $$(($(PORT)+1)) --site tests/publishers/vest >/dev/null 2>&1 & echo $$! >> .demo-servers.pid; \
	$(BIN)/python tests/replica_server.py --port $$(($(PORT)+2)) --site tests/publishers/kaluga24 >/dev/null 2>&1 & echo $$! >> .demo-servers.pid; \
	sleep 1; \
	$(BIN)/scrapy crawl kaluga -O demo.jsonl \
	    -a base_urls=kp40=http://127.0.0.1:$(PORT),vest=http://127.0.0.1:$$(($(PORT)+1)),kaluga24=http://127.0.0.1:$$(($(PORT)+2)) \
	    -s SEEN_STORE_PATH= -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False; status=$$?; \
	kill $$(cat .demo-servers.pid); rm -f .demo-servers.pid; \
	echo "$$(wc -l < demo.jsonl) records in demo.jsonl"; \
	$(BIN)/python -m newscrawler.stories demo.jsonl | head -20; exit $$status

## The benchmark (not part of the tests): extraction, crawl vs scrapy bench, scaling, incremental; ~6-10 min
bench: install
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

## A quick look (one small site, short scrapy bench)
bench-quick: install
	$(BIN)/python bench/run_bench.py --sizes 500 --scrapy-bench-seconds 10 --repeat 5 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data demo.jsonl articles.jsonl .pytest_cache bench/build
