//! Text rules both sides apply.

/// Lowercase without the common Latin accents: the Rust twin of the SQL `fold_text`.
pub fn fold_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' | 'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'É' | 'È' | 'Ê' | 'Ë' | 'é' | 'è' | 'ê' | 'ë' => 'e',
            'Í' | 'Ì' | 'Î' | 'Ï' | 'í' | 'ì' | 'î' | 'ï' => 'i',
            'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'Ú' | 'Ù' | 'Û' | 'Ü' | 'ú' | 'ù' | 'û' | 'ü' => 'u',
            'Ñ' | 'ñ' => 'n',
            'Ç' | 'ç' => 'c',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold_text("Citroën ÁVILA Ñandú"), "citroen avila nandu");
    }
}
