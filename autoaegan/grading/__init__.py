"""Grading, apart from the course's library: the checks the hidden tests call (`checks`), the probes that test
a student's objects (`probes`), the isolated grading kernel (`sandbox`, `kernels`, `wire`, `bridge`,
`checker`), nbgrader's preprocessors (`autograding`, `layout`, `outputs`, `progress`), the reuse rules
(`reuse`, read with `graded_parts`, `package_code`, `statement_uses` and `code_scopes`), training-graded
parts (`training`) and the student's self check (`self_check`)."""
