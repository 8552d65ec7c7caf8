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

## Crawl the live site (polite defaults) into articles.jsonl
crawl: install
	$(BIN)/scrapy crawl kp40 -O articles.jsonl

## The test suite (browser tests skip with a reason when no Chromium is installed)
test: install
	$(BIN)/python -m pytest -rs tests

## Crawl the bundled saved site offline: serve it on 127.0.0.1:$(PORT), crawl it into demo.jsonl
demo: install
	@$(BIN)/python tests/replica_server.py --port $(PORT) >/dev/null 2>&1 & echo $$! > .demo-server.pid; sleep 1; \
	$(BIN)/scrapy crawl kp40 -a base_url=http://127.0.0.1:$(PORT) -O demo.jsonl \
	    -s SEEN_STORE_PATH= -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False; status=$$?; \
	kill $$(cat .demo-server.pid); rm -f .demo-server.pid; \
	echo "$$(wc -l < demo.jsonl) records in demo.jsonl"; exit $$status

$(VENV)/.bench-deps: requirements-bench.txt $(BIN)/scrapy
	$(BIN)/pip install -q -r requirements-bench.txt
	touch $@

## The benchmark (not part of the tests): extraction, crawl vs scrapy bench, scaling, incremental; ~6-10 min
bench: $(VENV)/.bench-deps
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

## A quick look (one small site, short scrapy bench)
bench-quick: $(VENV)/.bench-deps
	$(BIN)/python bench/run_bench.py --sizes 500 --scrapy-bench-seconds 10 --repeat 5 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data demo.jsonl articles.jsonl .pytest_cache bench/build
