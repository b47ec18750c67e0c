# Los nombres de los países y regiones que ofrecen las páginas de registro y de perfil (el valor
# de cada opción es el código ISO 3166, el mismo en todos los idiomas), y los prefijos
# telefónicos de la página de MFA.
emu-country-au = Australia
emu-country-at = Austria
emu-country-be = Bélgica
emu-country-br = Brasil
emu-country-ca = Canadá
emu-country-dk = Dinamarca
emu-country-fi = Finlandia
emu-country-fr = Francia
emu-country-de = Alemania
emu-country-in = India
emu-country-ie = Irlanda
emu-country-it = Italia
emu-country-jp = Japón
emu-country-mx = México
emu-country-nl = Países Bajos
emu-country-nz = Nueva Zelanda
emu-country-no = Noruega
emu-country-pl = Polonia
emu-country-pt = Portugal
emu-country-sg = Singapur
emu-country-za = Sudáfrica
emu-country-es = España
emu-country-se = Suecia
emu-country-ch = Suiza
emu-country-gb = Reino Unido
emu-country-us = Estados Unidos
# El prefijo +1, que comparten dos países.
emu-calling-us-ca = Estados Unidos / Canadá
# Un prefijo en la página de MFA: el nombre del país y su código.
emu-calling-code = { $country } (+{ $code })
