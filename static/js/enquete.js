// A question asked only after some answer is hidden until that answer is given
// (the server drops the answer of a question that stays hidden, and asks a
// required one only when shown). Without JavaScript every question is shown,
// each conditional one saying when to answer it.
(function () {
  function values(form, name) {
    return Array.prototype.filter.call(form.querySelectorAll('[name="' + name + '"]'), function (input) {
      return input.checked;
    }).map(function (input) { return input.value; });
  }
  function update(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (question) {
      var wanted = question.getAttribute("data-show-values").split(",");
      var given = values(form, question.getAttribute("data-show-if"));
      var shown = given.some(function (v) { return wanted.indexOf(v) !== -1; });
      question.hidden = !shown;
      var note = question.querySelector(".condition");
      if (note) note.hidden = true;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.answer-form").forEach(function (form) {
      // An answer given to a question marked in red takes its mark away.
      form.addEventListener("change", function (event) {
        var question = event.target.closest("fieldset.question.has-error");
        if (question) {
          question.classList.remove("has-error");
          question.querySelectorAll("p.error").forEach(function (p) { p.hidden = true; });
        }
      });
      if (!form.querySelector("[data-show-if]")) return;
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
    var summary = document.getElementById("erreurs");
    if (summary) summary.focus();
  });
})();
