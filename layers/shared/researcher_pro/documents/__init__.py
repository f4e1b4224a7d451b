"""The tenant's own documents, searched by research that asks for them."""
