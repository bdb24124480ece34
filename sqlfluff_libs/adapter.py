"""Stand-in for dbt's `adapter` during linting: dispatch resolves to the `duckdb__` macro."""


def dispatch(macro_name, macro_namespace=None):
    def render(*args, **kwargs):
        return f"{macro_name}({', '.join(str(arg) for arg in args)})"

    return render
