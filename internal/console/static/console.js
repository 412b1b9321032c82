// Steward console: the one script. Every page works without it; here it
// only keeps the permission-matrix editor's colours and its count of
// pending changes up to date while a role is being edited, offers a
// field rule's reveal box only while its access is masked (the only level
// reveal goes with; without the script the server says so instead), and
// reloads a page that shows work under way (an export being written)
// unless something is being typed into it.
(function () {
  'use strict';
  var form = document.querySelector('[data-matrix-editor]');
  if (!form) {
    return;
  }
  var counter = form.querySelector('[data-pending]');
  function update() {
    var pending = 0;
    var selects = form.querySelectorAll('select[data-was]');
    for (var i = 0; i < selects.length; i++) {
      var s = selects[i];
      var changed = s.value !== s.getAttribute('data-was');
      if (changed) {
        pending++;
      }
      var cell = s.closest('td');
      if (cell) {
        cell.className = 's-' + s.value.replace(/_/g, '-') + (changed ? ' changed' : '');
      }
    }
    if (counter) {
      counter.textContent = String(pending);
    }
  }
  form.addEventListener('change', update);
  update();
})();
(function () {
  'use strict';
  var form = document.querySelector('[data-field-rules]');
  if (!form) {
    return;
  }
  function update() {
    var boxes = form.querySelectorAll('input[data-reveal-for]');
    for (var i = 0; i < boxes.length; i++) {
      var select = document.getElementById(boxes[i].getAttribute('data-reveal-for'));
      var masked = select && select.value === 'masked';
      boxes[i].disabled = !masked;
      if (!masked) {
        boxes[i].checked = false;
      }
    }
  }
  form.addEventListener('change', update);
  update();
})();
(function () {
  'use strict';
  var body = document.body;
  var seconds = Number(body.getAttribute('data-refresh'));
  if (!seconds) {
    return;
  }
  // A reload would lose what is being typed (a refusal's reason, say), so
  // it waits while a field has the focus or differs from what was loaded.
  function typing() {
    var a = document.activeElement;
    if (a && (a.tagName === 'INPUT' || a.tagName === 'TEXTAREA' || a.tagName === 'SELECT')) {
      return true;
    }
    var fields = document.querySelectorAll('input:not([type=hidden]), textarea');
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) {
        return true;
      }
    }
    return false;
  }
  setInterval(function () {
    if (!typing()) {
      location.replace(body.getAttribute('data-refresh-url') || location.href);
    }
  }, seconds * 1000);
})();
