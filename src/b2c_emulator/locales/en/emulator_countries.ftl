# The names of the countries and regions the sign-up and profile pages offer (the option's
# value is the ISO 3166 code, the same in every language), and the calling codes of the MFA
# page. Keys: emu-country- and the code in lower case.
emu-country-au = Australia
emu-country-at = Austria
emu-country-be = Belgium
emu-country-br = Brazil
emu-country-ca = Canada
emu-country-dk = Denmark
emu-country-fi = Finland
emu-country-fr = France
emu-country-de = Germany
emu-country-in = India
emu-country-ie = Ireland
emu-country-it = Italy
emu-country-jp = Japan
emu-country-mx = Mexico
emu-country-nl = Netherlands
emu-country-nz = New Zealand
emu-country-no = Norway
emu-country-pl = Poland
emu-country-pt = Portugal
emu-country-sg = Singapore
emu-country-za = South Africa
emu-country-es = Spain
emu-country-se = Sweden
emu-country-ch = Switzerland
emu-country-gb = United Kingdom
emu-country-us = United States
# The calling code +1, which two countries share.
emu-calling-us-ca = United States / Canada
# A calling code on the MFA page: the country's name, then its code.
emu-calling-code = { $country } (+{ $code })
