"""`copilot bench`: latency, overhead, retrieval, HTTP load and context-budget figures, measured in one run.

One module per figure family (turns, compliance, retrieval, http, llm_context); `runner` runs them in order on a
private workspace (workspace, server) and reports a table and JSON. Nothing here is imported by the product.
"""
