"""Page → record machinery that knows no outlet: document, metadata and generic layers, noise engine, loaders."""
