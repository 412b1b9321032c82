// Steward console: the one script. Every page works without it; here it
// only keeps the permission-matrix editor's colours and its count of
// pending changes up to date while a role is being edited, and offers a
// field rule's reveal box only while its access is masked (the only level
// reveal goes with; without the script the server says so instead).
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
