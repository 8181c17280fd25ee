//! What a person recognises in a `User-Agent` header: the browser and the operating system
//! ("Chrome", "Windows"), for the list of one's sessions. Not a full parser: the common
//! browsers and systems, `None` for anything else.

/// The browser and the system a session was opened from, when recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Device {
    pub browser: Option<&'static str>,
    pub system: Option<&'static str>,
}

/// Reads a `User-Agent` header. Browsers name their ancestors too (Edge says "Chrome" and
/// "Safari", Chrome says "Safari"), so the most specific token is looked for first.
pub fn describe(user_agent: &str) -> Device {
    Device { browser: browser(user_agent), system: system(user_agent) }
}

fn browser(ua: &str) -> Option<&'static str> {
    // (token, name), most specific first.
    const BROWSERS: [(&str, &str); 12] = [
        ("SamsungBrowser/", "Samsung Internet"),
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("Opera", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        // Headless Chrome (automated browsers) is still Chrome.
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    BROWSERS.iter().find(|(token, _)| ua.contains(token)).map(|(_, name)| *name)
}

fn system(ua: &str) -> Option<&'static str> {
    // iPhones and iPads say "like Mac OS X", Android says "Linux", ChromeOS says "X11; CrOS".
    const SYSTEMS: [(&str, &str); 8] = [
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("iPod", "iOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    SYSTEMS.iter().find(|(token, _)| ua.contains(token)).map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ua: &str, browser: Option<&str>, system: Option<&str>) {
        let device = describe(ua);
        assert_eq!((device.browser, device.system), (browser, system), "{ua}");
    }

    #[test]
    fn desktop_browsers() {
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            Some("Chrome"),
            Some("Windows"),
        );
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            Some("Edge"),
            Some("Windows"),
        );
        check(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0",
            Some("Firefox"),
            Some("macOS"),
        );
        check(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            Some("Safari"),
            Some("macOS"),
        );
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
            Some("Opera"),
            Some("Windows"),
        );
        check(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
            Some("Chrome"),
            Some("Linux"),
        );
        check(
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            Some("Chrome"),
            Some("ChromeOS"),
        );
    }

    #[test]
    fn phones_and_tablets() {
        check(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            Some("Safari"),
            Some("iOS"),
        );
        check(
            "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            Some("Chrome"),
            Some("iOS"),
        );
        check(
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            Some("Samsung Internet"),
            Some("Android"),
        );
        check(
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
            Some("Chrome"),
            Some("Android"),
        );
        check("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", Some("Firefox"), Some("Android"));
    }

    #[test]
    fn anything_else_is_unknown() {
        check("curl/8.5.0", None, None);
        check("", None, None);
        check("reqwest/0.12", None, None);
    }
}
