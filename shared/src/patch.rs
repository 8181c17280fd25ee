//! PATCH bodies distinguish "absent" (leave as is) from `null` (clear): a nullable field is
//! `Option<Option<T>>` deserialised with [`double_option`].

use serde::{Deserialize, Deserializer};

pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::double_option")]
        boss_id: Option<Option<i64>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let parse = |json| serde_json::from_str::<Body>(json).unwrap().boss_id;
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"boss_id":null}"#), Some(None));
        assert_eq!(parse(r#"{"boss_id":7}"#), Some(Some(7)));
    }
}
