/* What the article form's scripts (autosave.js, presence.js) share, as window.newsroomAdmin:
 *
 * - post(form, url, body): POST to one of the admin's own URLs with the form's CSRF token
 *   → fetch's promise (a redirect is not followed: the login page is a refusal);
 * - loggedOut(response): whether the session is gone (say "log in again");
 * - eachEditor(fn): call fn with each CKEditor instance, now and as they appear (CKEditor
 *   is set up after these scripts run).
 *
 * A static file: the admin's CSP allows no inline script of ours.
 */
;(() => {
  "use strict"

  function csrfToken(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]")
    return input ? input.value : ""
  }

  function post(form, url, body) {
    return fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    })
  }

  function loggedOut(response) {
    return response.type === "opaqueredirect" || response.status === 403
  }

  function eachEditor(fn, tries = 50) {
    const ck = window.CKEDITOR
    if (!ck) {
      if (tries > 0) window.setTimeout(() => eachEditor(fn, tries - 1), 200)
      return
    }
    ck.on("instanceCreated", (event) => fn(event.editor))
    for (const editor of Object.values(ck.instances || {})) fn(editor)
  }

  window.newsroomAdmin = Object.assign(window.newsroomAdmin || {}, {
    csrfToken,
    post,
    loggedOut,
    eachEditor,
  })
})()
