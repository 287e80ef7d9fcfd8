//! Lowering a case file and its cases: names, `vars:`, steps, and the checks
//! that need the whole case (an echo of a step that sends no body).

use super::*;

impl Loader {
    pub(super) fn case_file(&mut self, suite: &Suite, path: &Path) -> Vec<Case> {
        match self.read(path) {
            Some(bytes) => self.case_bytes(suite, path, &bytes),
            None => Vec::new(),
        }
    }

    pub(super) fn case_bytes(&mut self, suite: &Suite, path: &Path, bytes: &[u8]) -> Vec<Case> {
        let Some(doc) = self.parse_bytes::<CaseFileDoc>(path, bytes, CASE_FILE_WHAT) else {
            return Vec::new();
        };
        let file = Arc::new(path.to_path_buf());
        if doc.cases.is_empty() {
            self.errors.push(LoadError::new(
                path,
                1,
                1,
                "`cases:` is empty: a case file holds at least one case",
            ));
        }
        doc.cases
            .into_iter()
            .filter_map(|case| self.case(suite, &file, case))
            .collect()
    }

    pub(super) fn case(
        &mut self,
        suite: &Suite,
        file: &Arc<PathBuf>,
        doc: Spanned<CaseDoc>,
    ) -> Option<Case> {
        let pos = spanned_pos(file, &doc);
        let checkpoint = self.checkpoint();
        let doc = doc.value;
        let name = doc.name.value.trim().to_string();
        if name.is_empty() {
            self.error(&spanned_pos(file, &doc.name), "case name is empty");
        }
        let mut known: BTreeSet<String> = suite.variables.keys().cloned().collect();
        let mut vars = IndexMap::new();
        for (var_name, text) in doc.vars {
            let vpos = spanned_pos(file, &text);
            if !valid_name(&var_name) {
                self.error(
                    &vpos,
                    format!("variable name `{var_name}` must be letters, digits, `_` or `-`"),
                );
            }
            if let Some(t) = self.template(&text.value, &vpos, &known, &format!("vars.{var_name}"))
            {
                vars.insert(var_name.clone(), t);
            }
            known.insert(var_name);
        }
        if doc.steps.is_empty() {
            self.error(&pos, format!("case `{name}` has no steps"));
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut scope = Scope::new(suite, file, known);
        for (index, step_doc) in doc.steps.into_iter().enumerate() {
            if let Some(step) = self.step(&mut scope, step_doc, index) {
                steps.push(step);
            }
        }
        if !self.refused_since(checkpoint) {
            self.echoes_of_bodies(&steps);
        }
        if self.refused_since(checkpoint) {
            return None;
        }
        let mut case = Case {
            name,
            description: doc.description.trim().to_string(),
            doc: doc.doc.trim().to_string(),
            checks: statement_refs(file, doc.checks),
            strict: doc.strict,
            origin: Origin::File(pos),
            vars,
            steps,
            uses_variables: Vec::new(),
        };
        case.uses_variables = crate::case::visit::suite_variables_used(suite, &mut case);
        let refused = crate::case::statements::check_case(suite, &case);
        if !refused.is_empty() {
            self.errors.extend(refused);
            return None;
        }
        if let Some(registry) = &suite.statements {
            crate::case::verdict::mark_case(&mut case, &|refs| registry.advisory(refs));
        }
        Some(case)
    }

    /// An echo compares the fields of the JSON body a step sent: refused
    /// when that step sends no body, which would fail every run.
    pub(super) fn echoes_of_bodies(&mut self, steps: &[Step]) {
        fn echoes<'a>(expect: &'a Expect, out: &mut Vec<&'a Echo>) {
            out.extend(expect.echo.iter());
            for alternative in &expect.any_of {
                echoes(alternative, out);
            }
        }
        for (index, step) in steps.iter().enumerate() {
            let mut found = Vec::new();
            echoes(&step.expect, &mut found);
            for echo in found {
                let Some(sent) = steps.get(echo.of.index(index)) else {
                    continue;
                };
                if sent.request.body.is_none() {
                    self.error(
                        echo.origin.pos(),
                        format!("echo of step `{}`, which sends no body: echo compares the fields of the JSON object a request sends (give that request `json:`, or drop the echo)", sent.name),
                    );
                }
            }
        }
    }
}
