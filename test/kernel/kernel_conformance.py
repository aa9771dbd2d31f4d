"""jupyter_kernel_test's suite against the taskcell kernel, every optional sample filled in."""
import unittest

import jupyter_kernel_test


class TaskcellKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "taskcell"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    completion_samples = [
        {"text": "Math.clz", "matches": {"clz32"}},
        {"text": "const taskcellAbc = 1, taskcellAbd = 2; taskcellAb", "matches": {"taskcellAbc", "taskcellAbd"}},
    ]
    complete_code_samples = ["const x = 1;", "console.log('hi')", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "const a = [1, 2,", "if (true)"]
    invalid_code_samples = ["const = ;", "1 +* 2)", "let 5x = 1"]
    code_page_something = "Math.max?"
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2].map((x: number) => x * 2)", "result": "[ 2, 4 ]"},
    ]
    code_display_data = [
        {"code": 'import { display } from "taskcell"; display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import { display } from "taskcell"; display.markdown("# hi")', "mime": "text/markdown"},
        {"code": 'import { display } from "taskcell"; display.table([{ a: 1 }])', "mime": "application/vnd.taskcell.table+json"},
    ]
    code_history_pattern = "6?7"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.max"
    code_clear_output = 'import { display } from "taskcell"; display.clear()'


class TaskcellIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = "taskcell"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
