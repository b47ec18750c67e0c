# The activation form's errors (#31): src/activation/linking.rs.
activate-error-incomplete = Escriba el código de activación y su fecha de nacimiento (año, mes y día).
activate-error-no-match = Ese código de activación y esa fecha de nacimiento no corresponden a ningún historial que podamos vincular. Revise ambos y vuelva a intentarlo, o pida un código nuevo a su clínica.
activate-error-too-many = Demasiados intentos. Espere una hora o pida ayuda a su clínica.
activate-error-already-linked = Este historial o esta cuenta ya se vinculó antes. Pida ayuda a su clínica.
