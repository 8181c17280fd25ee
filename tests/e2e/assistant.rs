use anyhow::Result;
use dealaai_e2e::{Browser, Stack};
use serde_json::Value;

/// A salesperson asks the assistant a question, reads the streamed answer with the tool call
/// behind it, and follows its link to the stock table filtered to exactly those vehicles.
#[tokio::test(flavor = "multi_thread")]
async fn a_salesperson_asks_the_assistant_and_follows_the_link_to_the_filtered_table() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "300", "--seed", "5"], None)?;
    let password = "preguntar-al-asistente";
    stack.create_user("sales", "marta", password)?;
    let token = stack.api_token("marta", password).await?;
    let expected: Value = reqwest::Client::new()
        .get(format!("{}/api/stock?brand=SEAT&fuel=diesel&province=28", stack.backend_url))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let expected = expected["total"].as_i64().unwrap();

    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "marta", password).await?;
    b.click("a[href='/assistant']").await?;
    b.wait_for_path("/assistant").await?;
    b.wait_until("return !!document.querySelector('section#assistant textarea#question');", "the question box").await?;

    // Watch the answer grow while it streams.
    b.client
        .execute(
            "window.__answerTexts = []; new MutationObserver(() => { \
               const a = document.querySelector('article.message.assistant.streaming .answer'); \
               if (a) window.__answerTexts.push(a.textContent); \
             }).observe(document.body, {subtree: true, childList: true, characterData: true});",
            vec![],
        )
        .await?;
    b.fill("textarea#question", "¿Cuántos SEAT diésel tenemos en Madrid?").await?;
    b.click("button#send-question").await?;
    b.wait_until(
        "const m = document.querySelector('article.message.assistant:not(.streaming):not(.draft) li.tool-call a.tool-link'); return !!m;",
        "the answer with its tool call",
    )
    .await?;
    let answer = b.text_of("article.message.assistant .answer").await?;
    let spanish = expected.to_string();
    assert!(answer.contains(&spanish), "{expected} in the answer: {answer}");
    let seen: Value = b.client.execute("return window.__answerTexts;", vec![]).await?;
    assert!(!seen.as_array().unwrap().is_empty(), "the draft answer was shown before it was stored");
    let call = b.text_of("li.tool-call").await?;
    assert!(call.contains("SEAT") && call.contains(&spanish), "{call}");
    // The conversation was created, named after the question, and is in the list.
    b.wait_until(
        "return [...document.querySelectorAll('li.conversation')].some(li => li.textContent.includes('SEAT diésel'));",
        "the conversation in the list",
    )
    .await?;
    b.screenshot("assistant-answer").await?;
    let conversation_url = b.client.current_url().await?;

    // The link opens the stock table filtered to the same vehicles.
    b.click("li.tool-call a.tool-link").await?;
    b.wait_for_path("/stock").await?;
    let url = b.client.current_url().await?;
    let query = url.query().unwrap_or_default().to_owned();
    assert!(query.contains("brand=SEAT") && query.contains("fuel=diesel") && query.contains("province=28"), "{url}");
    b.wait_for_text(".stock-total", &format!("{expected} vehículos")).await?;

    // On a phone: the conversation fits the width, the question box and its answer show.
    b.client.set_window_size(390, 844).await?;
    b.client.goto(conversation_url.as_str()).await?;
    b.wait_until(
        "const a = document.querySelector('article.message.assistant table.answer-table, article.message.assistant .answer'); \
         const q = document.querySelector('textarea#question'); \
         return !!a && !!q && q.getBoundingClientRect().width > 0 \
           && document.documentElement.scrollWidth <= window.innerWidth + 1;",
        "the conversation laid out for a phone",
    )
    .await?;
    b.screenshot("assistant-phone").await?;
    b.close().await?;
    Ok(())
}

/// The conversation list and the chosen conversation follow every change: a question from
/// the examples opens a conversation, a new one starts empty, an answer asked again replaces
/// the last one, a rename and a deletion show at once, and a full reload shows the same.
#[tokio::test(flavor = "multi_thread")]
async fn conversations_are_asked_again_renamed_and_deleted() -> Result<()> {
    let stack = Stack::start().await?;
    stack.dealaai(&["seed", "--vehicles", "50", "--seed", "3"], None)?;
    let password = "conversaciones-2026";
    stack.create_user("sales", "marta", password)?;
    let b = Browser::start().await?;
    b.log_in(&stack.frontend_url, "marta", password).await?;
    b.client.goto(&format!("{}/assistant", stack.frontend_url)).await?;
    let answered = "const done = [...document.querySelectorAll('article.message.assistant')] \
                      .filter(a => !a.classList.contains('draft')); \
                    return done.length === 1 && !document.querySelector('article.message.draft') \
                      && document.querySelectorAll('article.message.user').length === 1 \
                      && !document.querySelector('textarea#question').disabled;";
    let count = async |css: &str| -> Result<usize> {
        let script = format!("return document.querySelectorAll(\"{css}\").length;");
        Ok(b.client.execute(&script, vec![]).await?.as_u64().unwrap_or_default() as usize)
    };

    // An example question creates the first conversation.
    b.click("button.example-question").await?;
    b.wait_until(answered, "the example's answer").await?;
    let first = b.client.current_url().await?.path().to_owned();
    assert!(first.starts_with("/assistant/"), "{first}");
    let first_id = first.trim_start_matches("/assistant/").to_owned();

    // A new conversation starts empty, with the examples; a typed question fills it.
    b.click("#new-conversation").await?;
    b.wait_until(
        &format!("return location.pathname !== '{first}' && !!document.querySelector('.assistant-empty');"),
        "the new, empty conversation",
    )
    .await?;
    b.wait_until("return document.querySelectorAll('li.conversation').length === 2;", "two conversations").await?;
    b.fill("textarea#question", "¿Cuántos vehículos tenemos?").await?;
    b.click("button#send-question").await?;
    b.wait_until(answered, "the typed question's answer").await?;
    let second = b.client.current_url().await?.path().to_owned();
    let answer = b.text_of("article.message.assistant .answer").await?;

    // Asked again: the new answer replaces the old one.
    let old_id =
        b.client.execute("return document.querySelector('article.message.assistant').dataset.id;", vec![]).await?;
    b.click("button.retry").await?;
    b.wait_until(
        &format!(
            "const a = document.querySelector('article.message.assistant:not(.draft)'); \
             return !!a && a.dataset.id !== '{}' && !document.querySelector('article.message.draft');",
            old_id.as_str().unwrap_or_default()
        ),
        "the answer asked again",
    )
    .await?;
    assert_eq!(count("article.message.assistant").await?, 1);
    assert_eq!(b.text_of("article.message.assistant .answer").await?, answer, "the same stock, the same answer");

    // Renamed in the list.
    let item = format!("li.conversation[data-id='{first_id}']");
    b.click(&format!("{item} button.rename-conversation")).await?;
    b.fill(&format!("{item} input.conversation-title-input"), "Coches de Madrid").await?;
    b.click(&format!("{item} button.save-title")).await?;
    b.wait_for_text(&format!("{item} .conversation-title"), "Coches de Madrid").await?;

    // Deleting the one shown goes back to the assistant's start.
    let second_id = second.trim_start_matches("/assistant/");
    let item = format!("li.conversation[data-id='{second_id}']");
    b.click(&format!("{item} button.delete-conversation")).await?;
    b.click(&format!("{item} button.confirm-delete-conversation")).await?;
    b.wait_for_path("/assistant").await?;
    b.wait_until("return document.querySelectorAll('li.conversation').length === 1;", "one conversation left").await?;
    b.screenshot("assistant-conversations").await?;

    // Opened from the list, and again after a full reload.
    for open in [false, true] {
        if open {
            b.client.goto(&format!("{}{first}", stack.frontend_url)).await?;
        } else {
            b.click(&format!("li.conversation[data-id='{first_id}'] a")).await?;
        }
        b.wait_for_path(&first).await?;
        b.wait_until(answered, "the first conversation").await?;
        b.wait_for_text(&format!("li.conversation[data-id='{first_id}'] .conversation-title"), "Coches de Madrid")
            .await?;
    }
    b.close().await?;
    Ok(())
}
