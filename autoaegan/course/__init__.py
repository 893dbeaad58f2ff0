"""The course around the chapters: each chapter's first cell (`chapter_setup`), the chapter list (`chapters`),
the learner's tree (`student_tree`, `start`), the website's install line (`site_install_line`) and the
environment check (`environment_check`)."""
